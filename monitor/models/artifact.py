"""Model files without pickle: a skops file of fitted scikit-learn parts and a JSON file
beside it (format, sha256 of the skops file, library versions, date, data, metrics).

Loading refuses, with a message that says to retrain: another format, a skops file that
does not match the checksum, another scikit-learn minor version, other feature names,
and any type inside the file that is not scikit-learn's, numpy's or ours.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.errors import ModelVersionError, UsageError

# Our own types a skops file may hold besides skops' defaults (scikit-learn, numpy, scipy).
TRUSTED = ["monitor.models.char_hash.CharNgramHasher"]
RETRAIN = "retrain with 'support-monitor models train'"


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def save(directory: Path, filename: str, meta_filename: str, fitted: Any,
         metadata: dict[str, Any]) -> dict[str, Any]:
    """Write ``fitted`` and its metadata; return the metadata as written."""
    import numpy as np
    import sklearn
    import skops
    import skops.io as sio

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    sio.dump(fitted, path)
    meta = {**metadata, "file": filename, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "scikit-learn": sklearn.__version__, "skops": skops.__version__, "numpy": np.__version__,
            "trained": datetime.now(UTC).isoformat(timespec="seconds")}
    (directory / meta_filename).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                           encoding="utf-8")
    return meta


def read_json(path: Path, fmt: str, what: str) -> dict[str, Any]:
    """A model's JSON file, refused unless it is a JSON object of format ``fmt``."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror}") from None
    except ValueError:
        raise ModelVersionError(f"{what} {path} is not JSON") from None
    found = body.get("format") if isinstance(body, dict) else None
    if found != fmt:
        raise ModelVersionError(f"{what} {path} has format {found!r}, this version reads "
                                f"{fmt!r}: {RETRAIN}")
    return body  # type: ignore[no-any-return]


def load(directory: Path, filename: str, meta_filename: str, fmt: str, what: str,
         features: list[str] | None = None) -> tuple[Any, dict[str, Any]]:
    """The fitted object and its metadata, after every check above."""
    import sklearn
    import skops.io as sio

    meta_path, path = directory / meta_filename, directory / filename
    meta = read_json(meta_path, fmt, what)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror}") from None
    if features is not None and meta.get("features") != features:
        raise ModelVersionError(f"{what} {path} was trained on other features than this version "
                                f"computes: {RETRAIN}")
    if hashlib.sha256(blob).hexdigest() != meta.get("sha256"):
        raise ModelVersionError(f"{path} does not match the checksum in {meta_path}: the pair was "
                                f"changed separately; {RETRAIN}")
    if _minor(str(meta.get("scikit-learn"))) != _minor(sklearn.__version__):
        raise ModelVersionError(
            f"{what} {path} was made with scikit-learn {meta.get('scikit-learn')}, this "
            f"installation has {sklearn.__version__}: {RETRAIN} or install "
            f"scikit-learn=={meta.get('scikit-learn')}")
    untrusted = set(sio.get_untrusted_types(data=blob)) - set(TRUSTED)
    if untrusted:
        raise ModelVersionError(f"{path} holds types this version does not trust: {sorted(untrusted)}")
    return sio.loads(blob, trusted=TRUSTED), meta


def find(models_dir: str | None, default_dir: Path, meta_filename: str) -> Path | None:
    """The folder to load from: ``models_dir`` when given (the model must be there), else
    ``default_dir`` when it holds the model, else None (the rules alone are used)."""
    directory = Path(models_dir) if models_dir else default_dir
    if models_dir is None and not (directory / meta_filename).exists():
        return None
    return directory
