"""``support-monitor flags list|show|ack|resolve|verdict|missed`` (CONTRACT §5).

The command line acts with the store's own credentials, as the name given with ``--by``
(the console authenticates its users; this is for the people who run the store)."""

from __future__ import annotations

import argparse
import getpass
import json
import socket
from typing import Any

from rich.console import Console
from rich.table import Table

from monitor.cli.common import store_arg
from monitor.cli.terminal import shown
from monitor.config import default_store
from monitor.io.store import Store
from monitor.io.store.actions import FlagActions, UnknownFlag
from monitor.io.store.queries import FlagFilter, Reader, flag_json
from monitor.records.flags import KIND_LABELS


def main(args: argparse.Namespace) -> int:
    store = Store(store_arg(args.store) or default_store(), create=False)
    try:
        if args.action == "list":
            return _list(args, Reader(store))
        if args.action == "show":
            return _show(args, Reader(store))
        return _act(args, store)
    finally:
        store.close()


def _client() -> str:
    return f"cli {getpass.getuser()}@{socket.gethostname()}"


def _list(args: argparse.Namespace, reader: Reader) -> int:
    rows = reader.queue(FlagFilter(args.status, args.kind, args.queue, args.channel, limit=args.limit))
    if args.format == "json":
        for row in rows:
            print(json.dumps(flag_json(row), ensure_ascii=False))
        return 0
    table = Table(title=f"flags ({args.status}), most urgent first", title_justify="left")
    for column in ("flag_id", "kind", "severity", "risk", "status", "queue", "excerpt"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["flag_id"], KIND_LABELS.get(row["kind"], row["kind"]), row["severity"],
                      f"{row['conversation_risk']:.2f}",
                      shown(row["status"] + (f" ({row['taken_by']})" if row["taken_by"] else "")),
                      shown(row["queue"] or ""), shown(row["excerpt"][:60]))
    Console().print(table)
    return 0


def _show(args: argparse.Namespace, reader: Reader) -> int:
    detail = reader.detail(args.flag_id)
    if detail is None:
        raise UnknownFlag(f"no flag {args.flag_id!r} in the store")
    if args.format == "json":
        print(json.dumps({**flag_json(detail.flag), "messages": [_message(m) for m in detail.messages],
                          "actions": [_action(a) for a in detail.actions]}, ensure_ascii=False))
        return 0
    console = Console(highlight=False)
    f = flag_json(detail.flag)
    console.print(shown(KIND_LABELS.get(f["kind"], f["kind"]), "bold"),
                  shown(f" {f['severity']} · {f['status']} · {f['flag_id']}"))
    console.print(shown(f"原因：{'；'.join(r['detail'] for r in f['reasons'])}"))
    console.print(shown(f"建议：{f['suggestion']}"))
    console.print(shown(f"依据：{f['playbook_ref']}"))
    for m in detail.messages:
        mark = "▶" if m["message_id"] == f["message_id"] else " "
        console.print(shown(f"{mark} {m['role']:<8} {m['text_masked']}"))
    for a in detail.actions:
        console.print(shown(f"  {a['action']} {a['outcome']} by {a['actor']}: "
                            f"{a['details'].get('message', '')}"))
    return 0


def _message(m: dict[str, Any]) -> dict[str, Any]:
    return {"message_id": m["message_id"], "role": m["role"], "text": m["text_masked"],
            "anger": m["anger"], "urgency": m["urgency"], "conversation_risk": m["conversation_risk"]}


def _action(a: dict[str, Any]) -> dict[str, Any]:
    return {k: a[k] for k in ("at_ms", "actor", "client", "action", "outcome", "flag_id",
                              "conversation_id", "message_id", "details")}


def _act(args: argparse.Namespace, store: Store) -> int:
    actions = FlagActions(store)
    if args.action == "ack":
        outcome = actions.take(args.flag_id, args.by, _client())
    elif args.action == "resolve":
        outcome = actions.resolve(args.flag_id, args.by, _client(), args.note)
    elif args.action == "verdict":
        outcome = actions.verdict(args.flag_id, args.by, _client(), args.verdict, args.reason, args.note)
    else:
        outcome = actions.missed(args.conversation, args.message_id, args.kind, args.by, _client(),
                                 args.note)
    flag = Reader(store).flag(args.flag_id) if args.action != "missed" else None
    if args.format == "json":
        print(json.dumps({"action": args.action, "outcome": outcome.outcome, "message": outcome.message,
                          **({"flag": flag_json(flag)} if flag else {})}, ensure_ascii=False))
    else:
        print(f"{outcome.message} ({outcome.outcome})")
    return 0
