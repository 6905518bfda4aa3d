"""What people do with a flag (CONTRACT §5), on SQLite and on the real PostgreSQL server:
taking, resolving, verdicts and missed reports are idempotent, the second supervisor to
take a flag is told who has it, every action (refusals included) is an audit row, the
monitor's own lifecycle stays apart from what a person did, and a store written by an
older version takes actions once migrated."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_file, shipped_models
from sqlalchemy import create_engine, select, text
from test_careless_user import V1_SCHEMA

from monitor.io.store import Store
from monitor.io.store.actions import ActionRefused, FlagActions, UnknownFlag
from monitor.io.store.queries import Reader, flag_json
from monitor.io.store.schema import flag_actions
from monitor.io.store.store import store_url as url_of

CMD = [sys.executable, "-m", "monitor.cli"]


@pytest.fixture
def stored(store_url: str, sample_path: Path) -> tuple[Store, list[dict]]:  # type: ignore[type-arg]
    run_file(sample_path, shipped_models(), flags_out=None, store_url=store_url)
    store = Store(store_url)
    yield store, store.flags("open")  # type: ignore[misc]
    store.close()


def audit(store: Store, flag_id: str) -> list[tuple[str, str, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(flag_actions).where(flag_actions.c.flag_id == flag_id)
                            .order_by(flag_actions.c.id)).mappings().all()
    assert all(r["at_ms"] > 0 and r["client"] for r in rows)
    return [(r["actor"], r["action"], r["outcome"]) for r in rows]


def test_the_second_supervisor_is_told_who_has_it(stored) -> None:  # type: ignore[no-untyped-def]
    store, flags = stored
    actions, flag_id = FlagActions(store), flags[0]["flag_id"]
    assert actions.take(flag_id, "王组长", "test").outcome == "done"
    with pytest.raises(ActionRefused, match="已由 王组长 接手"):
        actions.take(flag_id, "李主管", "test")
    assert actions.take(flag_id, "王组长", "test").outcome == "unchanged"
    row = Reader(store).flag(flag_id)
    assert row is not None and row["status"] == "acknowledged" and row["taken_by"] == "王组长"
    assert audit(store, flag_id) == [("王组长", "ack", "done"), ("李主管", "ack", "refused"),
                                     ("王组长", "ack", "unchanged")]
    with pytest.raises(UnknownFlag):
        actions.take("no-such-flag", "王组长", "test")


def test_resolutions_and_verdicts_are_idempotent_and_checked(stored) -> None:  # type: ignore[no-untyped-def]
    store, flags = stored
    actions, flag_id = FlagActions(store), flags[1]["flag_id"]
    assert actions.resolve(flag_id, "张主管", "test", "已回电，客户电话13800138000").outcome == "done"
    assert actions.resolve(flag_id, "张主管", "test").outcome == "unchanged"
    with pytest.raises(ActionRefused, match="已由 张主管 处理完"):
        actions.resolve(flag_id, "李主管", "test")
    with pytest.raises(ActionRefused, match="needs a reason"):
        actions.verdict(flag_id, "张主管", "test", "false_alarm")
    with pytest.raises(ActionRefused, match="needs a reason"):
        actions.verdict(flag_id, "张主管", "test", "false_alarm", "bored")
    with pytest.raises(ActionRefused, match="verdict must be one of"):
        actions.verdict(flag_id, "张主管", "test", "maybe")
    assert actions.verdict(flag_id, "张主管", "test", "false_alarm", "not_angry").outcome == "done"
    assert actions.verdict(flag_id, "张主管", "test", "false_alarm", "not_angry").outcome == "unchanged"
    assert actions.verdict(flag_id, "王组长", "test", "confirmed", "not_angry").outcome == "done"
    shown = flag_json(Reader(store).flag(flag_id))  # type: ignore[arg-type]
    assert (shown["status"], shown["resolved_by"], shown["verdict"], shown["verdict_by"]) == (
        "resolved", "张主管", "confirmed", "王组长")
    assert shown["verdict_reason"] is None  # a confirmed flag keeps no false-alarm reason
    assert shown["resolution_note"] == "已回电，客户电话[手机号]"  # a note is masked like text
    outcomes = [o for _, _, o in audit(store, flag_id)]
    assert outcomes == ["done", "unchanged", "refused", "refused", "refused", "refused", "done",
                        "unchanged", "done"]


def test_missed_reports_are_checked_and_kept_once(stored) -> None:  # type: ignore[no-untyped-def]
    store, _ = stored
    actions = FlagActions(store)
    messages = store.messages()
    customer = next(m for m in messages if m["role"] == "customer")
    agent = next(m for m in messages if m["role"] == "agent")
    args = (customer["conversation_id"], customer["message_id"])
    assert actions.missed(*args, "urgent", "王组长", "test").outcome == "done"
    assert actions.missed(*args, "urgent", "王组长", "test").outcome == "unchanged"
    assert actions.missed(*args, "escalate_supervisor", "王组长", "test").outcome == "done"
    with pytest.raises(ActionRefused, match="only a customer message"):
        actions.missed(agent["conversation_id"], agent["message_id"], "urgent", "王组长", "test")
    with pytest.raises(ActionRefused, match="kind must be one of"):
        actions.missed(*args, "angry", "王组长", "test")
    with pytest.raises(UnknownFlag):
        actions.missed(customer["conversation_id"], "no-such-message", "urgent", "王组长", "test")
    with pytest.raises(UnknownFlag):  # a queue the reporter may not see: as if it did not exist
        actions.missed(*args, "handle_emotion_first", "李主管", "test", allowed_queues=("无此队列",))


def test_the_monitors_lifecycle_stays_apart_from_what_people_did(stored) -> None:  # type: ignore[no-untyped-def]
    store, flags = stored
    actions, flag_id = FlagActions(store), flags[2]["flag_id"]
    actions.take(flag_id, "王组长", "test")
    assert store.set_status(flag_id, "resolved", flags[2]["ts_ms"] + 60_000, "calmed")
    shown = flag_json(Reader(store).flag(flag_id))  # type: ignore[arg-type]
    assert shown["status"] == "resolved" and shown["acknowledged_by"] == "王组长"
    assert shown["monitor"]["reason"] == "calmed" and "resolved_by" not in shown
    # The monitor's move does not undo a person's, nor a person's the monitor's.
    assert actions.verdict(flag_id, "王组长", "test", "confirmed").outcome == "done"
    assert flag_json(Reader(store).flag(flag_id))["monitor"]["reason"] == "calmed"  # type: ignore[arg-type]
    expired = flags[3]["flag_id"]
    assert store.set_status(expired, "resolved", flags[3]["ts_ms"], "conversation_expired")
    with pytest.raises(ActionRefused, match="提醒已结束（conversation_expired）"):
        actions.take(expired, "李主管", "test")


def test_an_old_stores_flag_can_be_taken_after_migration(store_url: str) -> None:
    engine = create_engine(url_of(store_url))
    with engine.begin() as conn:
        for ddl in V1_SCHEMA:
            conn.execute(text(ddl))
        conn.execute(text("INSERT INTO schema_info (id, version) VALUES (1, 1)"))
        conn.execute(text(
            "INSERT INTO flags VALUES ('f-old', 'c', 'm0', 1794790800000, '2026-11-16 01:00:00', "
            "'2026-11-16 01:00:01', 'escalate_supervisor', 'critical', 0.9, 0.1, 0.8, '[]', NULL, '[]', "
            "'请主管介入', 'seed 003', '叫你们经理来', 'chat', '售后', NULL, 'open', NULL, NULL, NULL)"))
    engine.dispose()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CMD, "flags", *args, "--store", store_url], capture_output=True,
                              text=True, timeout=120)

    taken = cli("ack", "f-old", "--by", "王组长", "--format", "json")
    assert taken.returncode == 0, taken.stderr
    assert json.loads(taken.stdout)["flag"]["acknowledged_by"] == "王组长"
    second = cli("ack", "f-old", "--by", "李主管")
    assert second.returncode == 2 and "已由 王组长 接手" in second.stderr
    assert second.stderr.count("\n") == 1
    [listed] = [json.loads(x) for x in cli("list", "--status", "all", "--format", "json").stdout.splitlines()]
    assert listed["flag_id"] == "f-old" and listed["status"] == "acknowledged"
    table = cli("list", "--status", "all")
    assert table.returncode == 0 and "f-old" in table.stdout and "王组长" in table.stdout
