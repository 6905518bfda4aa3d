"""``support-monitor playbook check|show|propose``: the playbook file."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from monitor.steps.playbook import file as playbook_file


def main(args: argparse.Namespace) -> int:
    if args.action == "show":
        sys.stdout.write(playbook_file.builtin_text())
        return 0
    if args.action == "propose":
        return propose(args)
    book = playbook_file.load(args.file)
    s = book.settings
    print(f"{args.file}: OK (sha256 {book.sha256[:12]}); anger_high {s.anger_high}, "
          f"first reply {s.first_reply_target_s:g} s, reply {s.reply_target_s:g} s")
    return 0


def propose(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rich.console import Console
    from rich.table import Table

    from monitor.cli.common import store_arg
    from monitor.cli.feedback import period
    from monitor.config import default_store
    from monitor.models.bundle import load_models
    from monitor.offline import propose as proposing
    from monitor.offline.feedback_data import read_floor
    from monitor.records.errors import UsageError

    start, end, _ = period(args)
    current = playbook_file.overrides(args.playbook)
    floor = read_floor(store_arg(args.store) or default_store(), start, end)
    console = Console(stderr=True, highlight=False, markup=False)
    with console.status("replaying…") as status:
        result = proposing.propose(floor, current, load_models(args.models_dir),
                                   lambda label: status.update(f"replaying: {label}"))
    out = Console(highlight=False, markup=False, width=140)
    base, after = result.base, result.combined or result.base
    removed = base.false_alarms_left - after.false_alarms_left
    out.print(f"已复核提醒 {result.reviewed} 条（回放存储中已脱敏的会话，复现其中 {result.reproduced} 条），"
              f"漏报 {result.missed} 条，回放消息 {len(floor.records)} 条")
    table = Table("改动", "保留的确认提醒", "消除的误报", "捕获的漏报", "新增未复核提醒",
                  title="逐项回放（每项单独）", title_justify="left")
    for change in result.kept:
        c = change.counts
        assert c is not None
        table.add_row(change.label, f"{c.confirmed_kept}/{base.confirmed_kept}",
                      f"{base.false_alarms_left - c.false_alarms_left}/{base.false_alarms_left}",
                      f"{c.missed_caught}/{result.missed}", str(c.wrong_added))
    table.add_row("全部合并（即输出文件）", f"{after.confirmed_kept}/{base.confirmed_kept}",
                  f"{removed}/{base.false_alarms_left}", f"{after.missed_caught}/{result.missed}",
                  str(after.wrong_added))
    out.print(table)
    if result.rejected:
        out.print("未采纳（会丢失已确认的提醒或已捕获的漏报）："
                  + "；".join(c.label for c in result.rejected[:10]))
    if result.reviewed < 200:
        out.print(f"复核仅 {result.reviewed} 条：少于约 200 条复核得出的建议只贴合已复核的案例，"
                  "未必适用于之后的对话。")
    header = (f"# support-monitor playbook propose 生成于 {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
              f"# 依据 {result.reviewed} 条已复核提醒和 {result.missed} 条漏报；回放结果：保留确认提醒 "
              f"{after.confirmed_kept}/{base.confirmed_kept}，消除误报 {removed}/{base.false_alarms_left}，"
              f"捕获漏报 {after.missed_caught}/{result.missed}。\n"
              + "".join(f"# - {c.label}\n" for c in result.kept)
              + "# 请先阅读，再用 --playbook 加载；加载之前什么都不会改变。\n")
    try:
        Path(args.out).write_text(proposing.dump(result.values, header), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror}") from None
    playbook_file.load(args.out)  # what we wrote checks, or this fails loudly
    out.print(f"已写入 {args.out}（可用 support-monitor playbook check {args.out} 检查；"
              f"用 --playbook {args.out} 加载后才生效）")
    return 0
