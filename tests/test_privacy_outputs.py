"""Personal data never reaches an output a person reads (PLAYBOOK §5): every case of
``privacy_cases.py`` — at least 150 leaks and look-alikes — runs through the whole
monitor, and the flags file, the scores file, the store, the dead letters, the metrics,
the alerts (a real Alertmanager, to a webhook of the test's own) and the weekly report
are searched for it. The look-alikes (order and tracking numbers, hotlines, prices) must
stay readable in the stored text."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import Alertmanager, Webhook
from helpers import T0, shipped_models
from privacy_cases import CASES, ID_CASES, ID_KEPT
from prometheus_client import CollectorRegistry, generate_latest

from monitor import report
from monitor.io.store import Store
from monitor.ops.alerts import AlertSettings
from monitor.ops.metrics import Metrics


def stream(path: Path) -> None:
    """Each case as a conversation whose customer asks for a supervisor (a flag and an
    alert carry the excerpt), with the case's text also in the queue field; and each
    case again as an invalid record (a dead letter keeps the raw record)."""
    lines = []
    for i, case in enumerate(CASES):
        text = f"叫你们经理来，气死了！！！{case.text}"
        lines.append({"conversation_id": f"c{i}", "message_id": "m1", "ts": T0 + i * 1000,
                      "role": "customer", "text": text, "queue": case.text[:100]})
        lines.append({"conversation_id": f"c{i}", "message_id": "m2", "ts": T0 + i * 1000 + 500,
                      "role": "agent", "text": f"您说的是{case.text}吗？非常抱歉"})
        lines.append({"conversation_id": f"d{i}", "message_id": "m1", "ts": T0, "text": text})
    for i, ident in enumerate([ident for ident, _ in ID_CASES] + ID_KEPT):
        # Personal data in the identifiers: as conversation, message and agent id.
        lines.append({"conversation_id": ident, "message_id": f"id{i}", "ts": T0 + i * 1000,
                      "role": "customer", "text": "叫你们经理来，气死了！！！"})
        lines.append({"conversation_id": ident, "message_id": ident, "ts": T0 + i * 1000 + 500,
                      "role": "agent", "agent_id": ident, "text": "您好"})
        lines.append({"conversation_id": ident, "message_id": f"{ident}-bad", "ts": "never",
                      "role": "customer", "text": "x"})
    with path.open("w", encoding="utf-8") as fh:
        for obj in lines:
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
        for case in CASES:  # not JSON at all: masked as text
            fh.write(f"{{broken {case.text}\n")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("privacy")
    events, flags, scores, dead = (tmp / n for n in ("in.jsonl", "flags.jsonl", "scores.jsonl",
                                                     "dead.jsonl"))
    stream(events)
    hook = Webhook()
    am = Alertmanager(hook.url)
    metrics = Metrics(CollectorRegistry())
    try:
        from monitor import app
        from monitor.config import OutputConfig, ProcessingConfig, RunConfig, SourceConfig

        app.run(RunConfig(SourceConfig(input_path=str(events), batch_size=50), OutputConfig(
            flags_out=str(flags), scores_out=str(scores), dead_letter_out=str(dead),
            store_url=str(tmp / "store.db")), ProcessingConfig(), shipped_models(),
            AlertSettings(am.url)), metrics=metrics)
        deadline = time.monotonic() + 30
        while len(hook.alerts()) < len(CASES) and time.monotonic() < deadline:
            time.sleep(0.3)
        alerts = json.dumps(hook.received, ensure_ascii=False)
    finally:
        am.close()
        hook.close()
    store = Store(str(tmp / "store.db"))
    rows = json.dumps([store.messages(), store.flags()], ensure_ascii=False, default=str)
    store.close()
    week = report.Week.parse("2026-W47", "Asia/Shanghai")
    targets = report.Targets(60, 180, 0.5)
    reports = "".join(report.weekly(str(tmp / "store.db"), week, fmt, targets).text
                      for fmt in ("json", "md", "html"))
    return {"flags": flags.read_text(encoding="utf-8"), "scores": scores.read_text(encoding="utf-8"),
            "store": rows, "dead letters": dead.read_text(encoding="utf-8"),
            "metrics": generate_latest(metrics.registry).decode(), "alerts": alerts,
            "report": reports}


def test_the_table_is_large_and_every_output_was_produced(outputs: dict[str, str]) -> None:
    assert len(CASES) >= 150
    # A secret of a few digits alone could turn up in a timestamp or an id by chance.
    assert all(len(s) >= 6 or not s.isdigit() for c in CASES for s in (c.secret or "", *c.also))
    assert sum(c.secret is None for c in CASES) >= 30  # look-alikes
    for name, text in outputs.items():
        assert text, name
    assert outputs["alerts"].count("SupportEscalation") >= len(CASES)
    assert outputs["dead letters"].count("\n") == 2 * len(CASES) + len(ID_CASES) + len(ID_KEPT)


@pytest.mark.parametrize(("ident", "secret"), ID_CASES, ids=[i for i, _ in ID_CASES])
def test_no_personal_data_from_identifiers(ident: str, secret: str, outputs: dict[str, str]) -> None:
    leaked = [name for name, text in outputs.items() if secret in text]
    assert not leaked, f"{secret!r} of the id {ident!r} reached {leaked}"


@pytest.mark.parametrize("ident", ID_KEPT)
def test_random_ids_stay_as_they_are(ident: str, outputs: dict[str, str]) -> None:
    assert f'"conversation_id":"{ident}"' in outputs["flags"].replace(": ", ":")


@pytest.mark.parametrize("case", [c for c in CASES if c.secret], ids=lambda c: c.text[:24])
def test_no_personal_data_in_any_output(case, outputs: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for secret in (case.secret, *case.also):
        leaked = [name for name, text in outputs.items() if secret in text]
        assert not leaked, f"{secret!r} reached {leaked}"


@pytest.mark.parametrize("case", [c for c in CASES if c.keep], ids=lambda c: c.text[:24])
def test_look_alikes_stay_readable(case, outputs: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    assert case.keep in outputs["store"]
    assert case.keep in outputs["flags"]
