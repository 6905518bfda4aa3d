"""What a person sees on the terminal: flags as they are raised, progress, the summary."""

from __future__ import annotations

import re

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from monitor.records.flags import KIND_LABELS, Flag
from monitor.records.results import BatchResult
from monitor.stream.runner import RunStats

_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}
# What a terminal would act on rather than show: control characters (ESC sequences clear
# or retitle it) and bidirectional overrides. Parsing replaces them in new texts; a store
# written before may still hold them.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str, style: str = "") -> Text:
    """Anything a customer, a producer or the store wrote, as the terminal shows it: as
    text, never as Rich markup (``[/]`` would raise, ``[link=…]`` would make a link), and
    without a character the terminal would act on."""
    return Text(_UNSAFE.sub("\ufffd", text), style=style)


class ConsoleFlags:
    """A sink that prints each raised flag for a supervisor to read."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def write(self, batch: BatchResult) -> None:
        for flag in batch.flags:
            self.console.print(flag_panel(flag))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def flag_panel(flag: Flag) -> Panel:
    style = _SEVERITY_STYLE[flag.severity]
    body = Table.grid(padding=(0, 1))
    body.add_column(style="dim", no_wrap=True)
    body.add_column(overflow="fold")
    body.add_row("消息", shown(f"“{flag.excerpt}”"))
    body.add_row("原因", shown("；".join(r.detail for r in flag.reasons)))
    body.add_row("建议", shown(flag.suggestion))
    body.add_row("依据", shown(flag.playbook_ref))
    body.add_row("分数", f"愤怒 {flag.scores['anger']:.2f} · 紧急 {flag.scores['urgency']:.2f}"
                 f" · 会话风险 {flag.scores['conversation_risk']:.2f}")
    title = Text.assemble((flag.severity.upper(), style), f" {KIND_LABELS[flag.kind]} ({flag.kind}) · ",
                          shown(f"{flag.conversation_id} / {flag.message_id}"))
    return Panel(body, title=title, title_align="left", border_style=style)


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("replaying"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[msgs]} msgs · {task.fields[rate]:,.0f}/s"),
        TimeRemainingColumn(), console=console, transient=True,
        # Never capture stdout: it carries the flags (``> flags.jsonl``, ``| wc -l``).
        redirect_stdout=False, redirect_stderr=False,
    )


def print_summary(console: Console, stats: RunStats) -> None:
    table = Table(title="support-monitor run summary", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    roles = ", ".join(f"{k} {v}" for k, v in sorted(stats.by_role.items())) or "none"
    table.add_row("messages", f"{stats.messages} ({roles})")
    flags = ", ".join(f"{k} {v}" for k, v in sorted(stats.flags.items())) or "none"
    table.add_row("flags", f"{sum(stats.flags.values())} ({flags})")
    dead = ", ".join(f"{k} {v}" for k, v in sorted(stats.dead_letters.items())) or "none"
    table.add_row("dead letters", f"{sum(stats.dead_letters.values())} ({dead})")
    table.add_row("duplicates skipped", str(stats.duplicates))
    if stats.blank_lines:
        table.add_row("blank lines skipped", str(stats.blank_lines))
    if stats.truncated:
        table.add_row("texts cut at the limit", f"{stats.truncated} (stored with truncated = true)")
    table.add_row("throughput", f"{stats.rate:,.0f} messages/s in {stats.elapsed_s:.2f} s")
    console.print(table)
