"""``support-monitor score TEXT…``: scores for single messages, as JSON. Loads only the
playbook, the scorer and the models (numpy), so it answers fast."""

from __future__ import annotations

import argparse
import json

from monitor.models.bundle import load_models
from monitor.privacy import mask
from monitor.records.events import Event
from monitor.steps.model_scoring import build_scorer
from monitor.steps.normalise import normalise
from monitor.steps.playbook import file as playbook_file


def main(args: argparse.Namespace) -> int:
    book = playbook_file.load(args.playbook)
    models = load_models(args.models_dir)
    scorer = build_scorer(book.lexicon, models.anger, models.support, reply=models.reply)
    events = [Event("cli", "cli", 0, "customer", t, norm_text=normalise(t)) for t in args.texts]
    for text, s in zip(args.texts, scorer.score_batch(events), strict=True):
        print(json.dumps({
            "text": mask(text), "anger": s.anger, "urgency": s.urgency,
            "complaint_type": s.complaint_type,
            "signals": [{"code": x.code, "detail": x.detail} for x in s.signals],
            **({} if s.expects_reply is None else {"expects_reply": s.expects_reply}),
            "scorer": scorer.name,
        }, ensure_ascii=False))
    return 0
