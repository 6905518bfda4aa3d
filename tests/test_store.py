from __future__ import annotations

import pytest
from helpers import pipeline, records
from sqlalchemy import update

from monitor.io.sinks import StoreSink
from monitor.io.store import Store, schema_info, store_url
from monitor.records.errors import UsageError

TURNS = [("customer", "你们这什么破服务！！！电话13800138000"), ("agent", "非常抱歉，我理解您的心情"),
         ("customer", "叫你们经理来，我要去12315投诉"), ("customer", "好的"), ("customer", "谢谢")]


def write_conversation(url: str) -> list[str]:
    result = pipeline().process(records(TURNS))
    sink = StoreSink(Store(url))
    sink.write(result)
    sink.flush()
    sink.close()
    return [f.flag_id for f in result.flags]


def test_messages_and_flags_stored_masked_with_lifecycle(store_url: str) -> None:
    ids = write_conversation(store_url)
    store = Store(store_url)
    rows = store.messages()
    assert [r["message_id"] for r in rows] == ["m1", "m2", "m3", "m4", "m5"]
    assert "13800138000" not in rows[0]["text_masked"] and "[手机号]" in rows[0]["text_masked"]
    assert rows[0]["anger"] > 0.3 and rows[1]["anger"] is None  # agent rows carry no anger
    flags = {f["flag_id"]: f for f in store.flags()}
    assert set(flags) == set(ids)
    emotion = next(f for f in flags.values() if f["kind"] == "handle_emotion_first")
    escalation = next(f for f in flags.values() if f["kind"] == "escalate_supervisor")
    # emotion flag: acknowledged by the agent's empathy, resolved when the customer calmed
    assert emotion["acknowledged_ts_ms"] is not None and emotion["status"] == "resolved"
    assert escalation["status"] == "resolved" and escalation["status_reason"] == "calmed"
    assert escalation["reasons"][0]["code"] in {"regulator_threat", "supervisor_request"}
    store.close()


def test_replay_writes_nothing_twice(store_url: str) -> None:
    first = write_conversation(store_url)
    second = write_conversation(store_url)
    assert first == second
    store = Store(store_url)
    assert len(store.messages()) == len(TURNS) and len(store.flags()) == len(first)
    store.close()


def test_manual_acknowledge_then_resolve(store_url: str) -> None:
    result = pipeline().process(records([("customer", "我要去法院起诉你们")]))
    store = Store(store_url)
    store.write([], result.flags, [])
    fid = result.flags[0].flag_id
    assert store.set_status(fid, "acknowledged", 1, "supervisor") is True
    assert store.set_status(fid, "acknowledged", 2, "again") is False  # already acknowledged
    assert store.set_status(fid, "resolved", 3, "handled") is True
    assert store.set_status(fid, "acknowledged", 4, "late") is False  # resolved is final
    assert store.flags(status="resolved")[0]["resolved_ts_ms"] == 3
    store.close()


def test_schema_version_mismatch_is_a_clear_error(store_url: str) -> None:
    store = Store(store_url)
    with store.engine.begin() as conn:
        conn.execute(update(schema_info).values(version=99))
    store.close()
    with pytest.raises(UsageError, match="schema version 99"):
        Store(store_url)


def test_urls() -> None:
    assert store_url("x.db") == "sqlite:///x.db"
    assert store_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(UsageError):
        Store("nosuchdialect://x")


def test_unreachable_postgres_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="cannot open store"):
        Store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


def _raw_rows(url: str) -> dict[str, list[str]]:
    """Every stored row as the database itself prints it, for a byte-for-byte comparison."""
    from sqlalchemy import text

    store = Store(url)
    out = {}
    with store.engine.connect() as conn:
        for table in ("messages", "flags"):
            if store.engine.dialect.name == "postgresql":
                query = f"SELECT t::text FROM {table} t"
            else:
                cols = [r[1] for r in conn.execute(text(f"PRAGMA table_info({table})"))]
                sep = " || '|' || "
                query = "SELECT " + sep.join(f"quote({c})" for c in cols) + f" FROM {table}"
            out[table] = sorted(str(r[0]) for r in conn.execute(text(query)))
    store.close()
    return out


def test_bulk_rows_are_stored_as_sqlalchemys_insert_stores_them(store_url: str, tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    """The executemany of tuples (io/store/bulk.py) against SQLAlchemy Core's insert."""
    from sqlalchemy.dialects import postgresql, sqlite

    from monitor.io.sinks import _message_row
    from monitor.io.store import schema
    from monitor.io.store.store import _dt, _flag_row

    turns = [*TURNS, ("customer", "名字是“张三”\n地址：北京市朝阳区 'quote' \\ 反斜杠 😀" * 3),
             ("agent", "")]
    result = pipeline().process(records(turns))
    messages = [_message_row(p) for p in result.processed]
    messages[-1]["truncated"] = True
    fast = Store(store_url)
    fast.write(messages, result.flags, [])
    fast.close()
    reference_url = (str(tmp_path / "reference.db") if "postgresql" not in store_url
                     else request.getfixturevalue("postgres_url"))
    reference = Store(reference_url)
    insert = postgresql.insert if reference.engine.dialect.name == "postgresql" else sqlite.insert
    with reference.engine.begin() as conn:
        conn.execute(insert(schema.messages).on_conflict_do_nothing(),
                     [{**r, "ts": _dt(r["ts_ms"])} for r in messages])
        conn.execute(insert(schema.flags).on_conflict_do_nothing(), [_flag_row(f) for f in result.flags])
    reference.close()
    got, want = _raw_rows(store_url), _raw_rows(reference_url)
    # changed_ms is the writer's clock: the same row, written a moment apart.
    strip = __import__("re").compile(r"\b1[0-9]{12}\b")
    assert {t: [strip.sub("T", r) for r in rows] for t, rows in got.items()} == {
        t: [strip.sub("T", r) for r in rows] for t, rows in want.items()}
    assert len(got["messages"]) == len(result.processed) > len(TURNS) and got["flags"]
