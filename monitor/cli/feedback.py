"""``support-monitor feedback report``: how often the monitor was right, by the floor's verdicts."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console
from rich.table import Table

from monitor.cli.common import store_arg
from monitor.config import default_store
from monitor.io.store import Store
from monitor.io.store.queries import Reader
from monitor.records.errors import UsageError
from monitor.report import precision, precision_view

FAR_FUTURE_MS = 253_402_300_799_000  # 9999-12-31T23:59:59Z


def _day_ms(text: str, tz: ZoneInfo, option: str) -> int:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=tz)
    except ValueError:
        raise UsageError(f"{option} expects a date such as 2026-11-30, got {text!r}") from None
    return int(day.timestamp() * 1000)


def period(args: argparse.Namespace) -> tuple[int, int, ZoneInfo]:
    """[start, end) in ms: --until's whole day is included."""
    try:
        tz = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {args.timezone!r}") from None
    start = _day_ms(args.since, tz, "--since") if args.since else 0
    end = (_day_ms(args.until, tz, "--until") + int(timedelta(days=1).total_seconds() * 1000)
           if args.until else FAR_FUTURE_MS)
    if end <= start:
        raise UsageError("--until is before --since")
    return start, end, tz


def read(store_url: str, start: int, end: int, tz: str) -> precision.Precision:
    store = Store(store_url, create=False)
    try:
        flags = store.between("flags", start, end)
        missed = Reader(store).missed(start, end)
    finally:
        store.close()
    times = [int(f["ts_ms"]) for f in flags] + [int(m["ts_ms"]) for m in missed]
    weeks = precision.week_labels(max(start, min(times)), min(end, max(times) + 1), tz) if times else []
    return precision.compute(flags, missed, weeks, tz)


def main(args: argparse.Namespace) -> int:
    start, end, _ = period(args)
    figures = read(store_arg(args.store) or default_store(), start, end, args.timezone)
    label = (f"{args.since or '最早'} 至 {args.until or '现在'}（{args.timezone}，按提醒的事件时间）")
    if args.format == "json":
        body = {"report": "support-monitor feedback", "since": args.since, "until": args.until,
                "timezone": args.timezone, **figures.to_json()}
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "html":
        text = precision_view.page(figures, label)
    else:
        _table(figures, label, args.out)
        return 0
    _write(text, args.out)
    return 0


def _write(text: str, out: str) -> None:
    if out == "-":
        sys.stdout.write(text)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None


def _table(figures: precision.Precision, label: str, out: str) -> None:
    console = Console(width=160, highlight=False, markup=False) if out == "-" else None
    if console is None:
        with open(out, "w", encoding="utf-8") as fh:
            _print(Console(file=fh, width=160, highlight=False, markup=False), figures, label)
        return
    _print(console, figures, label)


def _print(console: Console, figures: precision.Precision, label: str) -> None:
    console.print(f"提醒精确率（人工复核）　{label}")
    for title, rows in precision_view.tables(figures):
        table = Table(*precision_view.HEADER, title=title, title_justify="left")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for name, value in precision_view.culprits(figures):
        console.print(f"{name}：{value}")
    if figures.weeks:
        table = Table(*precision_view.WEEK_HEADER, title="逐周变化", title_justify="left")
        for row in precision_view.week_rows(figures):
            table.add_row(*row)
        console.print(table)
    console.print(precision_view.NOTE)
