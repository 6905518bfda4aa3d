"""Outputs byte-identical to the stored expectations (``tests/expected``): refactors and
speed work must not change a flag, a flag id or a score. A deliberate change of
behaviour regenerates them (``tests/expected/regenerate.py``) in the same commit."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from expected_outputs import JDDC, jddc_digest, sample_outputs, support_scores

EXPECTED = Path(__file__).resolve().parent / "expected"
# The public data sets stay outside the repository: beside it, or where this points.
DATA = Path(os.environ.get("SUPPORT_MONITOR_DATA", EXPECTED.parents[2] / "shared" / "data"))


def test_sample_stream_flags_and_scores_are_as_stored(tmp_path: Path) -> None:
    flags, scores = sample_outputs(tmp_path, batch_size=200)
    assert flags == (EXPECTED / "sample_flags.jsonl").read_text(encoding="utf-8")
    assert scores == (EXPECTED / "sample_scores.jsonl").read_text(encoding="utf-8")


def test_held_out_support_scores_are_as_stored() -> None:
    assert support_scores() == (EXPECTED / "support_test_scores.jsonl").read_text(encoding="utf-8")


@pytest.mark.skipif(not (DATA / JDDC).exists(), reason=f"no {JDDC} (set SUPPORT_MONITOR_DATA)")
def test_jddc_replay_flags_are_as_stored(tmp_path: Path) -> None:
    stored = json.loads((EXPECTED / "jddc_flags.json").read_text(encoding="utf-8"))
    assert hashlib.sha256((DATA / JDDC).read_bytes()).hexdigest() == stored["data_sha256"]
    assert jddc_digest(DATA / JDDC, tmp_path) == (stored["flags_sha256"], stored["flags"])
