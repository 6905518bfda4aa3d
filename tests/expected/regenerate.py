"""Write the stored expectations that ``tests/test_expected_outputs.py`` compares against.

Run it only for a deliberate change of behaviour (and say so in the commit): refactors
and speed work must leave these files byte-identical.

    .venv/bin/python tests/expected/regenerate.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from expected_outputs import (  # noqa: E402
    JDDC,
    jddc_digest,
    sample_outputs,
    support_scores,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE.parents[2] / "shared" / "data")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        flags, scores = sample_outputs(Path(tmp), batch_size=200)
    (HERE / "sample_flags.jsonl").write_text(flags, encoding="utf-8")
    (HERE / "sample_scores.jsonl").write_text(scores, encoding="utf-8")
    (HERE / "support_test_scores.jsonl").write_text(support_scores(), encoding="utf-8")
    data = args.data / JDDC
    if data.exists():
        with tempfile.TemporaryDirectory() as tmp:
            digest, n = jddc_digest(data, Path(tmp))
        (HERE / "jddc_flags.json").write_text(json.dumps({
            "data": JDDC, "data_sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
            "flags": n, "flags_sha256": digest}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote the expectations in {HERE}")


if __name__ == "__main__":
    main()
