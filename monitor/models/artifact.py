"""Model files without pickle: plain arrays in a ``.npz`` file and a JSON file beside it
(format, sha256 of the arrays file, the data and figures it was trained with).

Loading needs numpy alone and refuses, with a message that says to retrain: another
format, an arrays file that does not match the checksum, arrays missing or of the wrong
shape, other feature names. ``allow_pickle=False``: a file cannot run code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from monitor.records.errors import ModelVersionError, UsageError

# The shipped models live in the repository's models/ folder (see models/README.md).
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "models"
RETRAIN = "retrain with 'support-monitor models train'"


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


def save(directory: Path, filename: str, meta_filename: str, arrays: Mapping[str, np.ndarray],
         metadata: dict[str, Any]) -> dict[str, Any]:
    """Write the arrays and their metadata; return the metadata as written."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
    meta = {**metadata, "file": filename, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "numpy": np.__version__, "arrays": {k: list(v.shape) for k, v in arrays.items()}}
    meta.setdefault("trained", datetime.now(UTC).isoformat(timespec="seconds"))
    (directory / meta_filename).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                           encoding="utf-8")
    return meta


def load(directory: Path, filename: str, meta_filename: str, fmt: str, what: str,
         shapes: Mapping[str, tuple[int | None, ...]],
         features: list[str] | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays (each of the shape in ``shapes``, None: any length) and the metadata,
    after every check above."""
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
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (ValueError, OSError) as exc:
        raise ModelVersionError(f"{what} {path} is not a readable arrays file: {exc}") from None
    for name, shape in shapes.items():
        found = arrays.get(name)
        if found is None or len(found.shape) != len(shape) or any(
                want is not None and want != got for want, got in zip(shape, found.shape, strict=True)):
            raise ModelVersionError(f"{what} {path}: array {name!r} is missing or has the wrong "
                                    f"shape ({None if found is None else found.shape}, expected "
                                    f"{shape}): {RETRAIN}")
    return arrays, meta


def find(models_dir: str | None, meta_filename: str) -> Path | None:
    """The folder to load from: ``models_dir`` when given (the model must be there), else
    the repository's models/ when it holds the model, else None (the rules alone)."""
    directory = Path(models_dir) if models_dir else DEFAULT_DIR
    if models_dir is None and not (directory / meta_filename).exists():
        return None
    return directory


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
