"""``support-monitor playbook check|show``: the playbook file."""

from __future__ import annotations

import argparse
import sys

from monitor.steps.playbook import file as playbook_file


def main(args: argparse.Namespace) -> int:
    if args.action == "show":
        sys.stdout.write(playbook_file.builtin_text())
        return 0
    book = playbook_file.load(args.file)
    s = book.settings
    print(f"{args.file}: OK (sha256 {book.sha256[:12]}); anger_high {s.anger_high}, "
          f"first reply {s.first_reply_target_s:g} s, reply {s.reply_target_s:g} s")
    return 0
