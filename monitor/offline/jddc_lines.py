"""Real customer lines of the JDDC sample labelled by the team, read back by reference.

A label file names each line by its session id and turn, with a hash of the stripped
text; the text itself stays in ``../shared/data`` (research-use terms: never copied into
this repository). Reading refuses a line whose text is not the one that was labelled.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from monitor.records.errors import UsageError


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def available(data_dir: Path, labels: Path) -> bool:
    """Whether the data folder holds the file the labels refer to (a small test folder
    may not; training then says so and goes on without those lines)."""
    first = next(iter(rows(labels)), None)
    return first is not None and (data_dir / first["file"]).is_file()


def read(data_dir: Path, labels: Path, split: str) -> list[tuple[dict[str, Any], str]]:
    """(label row, raw text) of every line of ``split`` in the label file."""
    out: list[tuple[dict[str, Any], str]] = []
    sessions: dict[str, dict[str, Any]] = {}
    for row in rows(labels):
        if row["split"] != split:
            continue
        if not sessions:
            path = data_dir / row["file"]
            try:
                sessions = {d["id"]: d for d in rows(path)}
            except OSError as exc:
                raise UsageError(f"cannot read {path}: {exc.strerror} "
                                 "(give --data-dir ../shared/data)") from None
        turns = sessions.get(row["session"], {}).get("turns", [])
        text = turns[row["turn"]]["text"] if row["turn"] < len(turns) else ""
        if hashlib.sha1(text.strip().encode()).hexdigest()[:12] != row["text_sha1"]:
            raise UsageError(f"{row['file']} session {row['session']} turn {row['turn']} is not the "
                             f"line that was labelled in {labels.name}")
        out.append((row, text))
    return out
