"""The outputs compared with the stored expectations in ``tests/expected/``: the sample
stream's flags (without ``raised_at``, the wall-clock time) and scores, the scores of the
held-out support messages, and a digest of the flags of a JDDC replay."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path

from helpers import run_file, shipped_models

from monitor.config import ProcessingConfig
from monitor.offline.benchmarks.replay import make_stream
from monitor.offline.evaluate import load_own
from monitor.steps.model_scoring import ModelScorer
from monitor.steps.normalise import normalise
from monitor.steps.playbook.file import builtin
from monitor.steps.scoring import RuleScorer

JDDC = "dialogues/jddc2019_sample.jsonl"
_RAISED_AT = re.compile(r'"raised_at":"[^"]*",')
SAMPLE = Path(str(resources.files("monitor") / "data" / "sample_stream.jsonl"))


def without_raised_at(text: str) -> str:
    return _RAISED_AT.sub("", text)


def sample_outputs(tmp: Path, batch_size: int) -> tuple[str, str]:
    """The flags and the scores file of ``run`` on the sample stream with the shipped models."""
    flags, scores = tmp / f"flags-{batch_size}.jsonl", tmp / f"scores-{batch_size}.jsonl"
    run_file(SAMPLE, shipped_models(), batch_size=batch_size, flags_out=str(flags),
             scores_out=str(scores), store_url=None)
    return (without_raised_at(flags.read_text(encoding="utf-8")),
            scores.read_text(encoding="utf-8"))


def support_scores() -> str:
    """Every score and signal of the held-out support messages, one line each."""
    models = shipped_models()
    scorer = ModelScorer(RuleScorer(builtin().lexicon), models.anger, models.support)
    rows = load_own("test")
    lines = []
    for r, s in zip(rows, scorer.score_texts([normalise(r["text"]) for r in rows]), strict=True):
        lines.append(json.dumps({
            "text_sha1": hashlib.sha1(r["text"].encode()).hexdigest()[:12], "anger": s.anger,
            "urgency": s.urgency, "complaint_type": s.complaint_type, "anger_model": s.anger_model,
            "signals": [[x.code, x.detail] for x in s.signals]}, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def jddc_digest(data: Path, tmp: Path) -> tuple[str, int]:
    """sha256 of the flags (without ``raised_at``) of the JDDC sample replayed twice, as the
    replay benchmark builds it (a new conversation every 20 s, turns 30 s apart)."""
    events, flags = tmp / "jddc.jsonl", tmp / "jddc-flags.jsonl"
    make_stream(data, 2, events)
    run_file(events, shipped_models(), processing=ProcessingConfig(conversation_ttl_s=3600),
             flags_out=str(flags), store_url=None)
    text = without_raised_at(flags.read_text(encoding="utf-8"))
    return hashlib.sha256(text.encode()).hexdigest(), len(text.splitlines())
