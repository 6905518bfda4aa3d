"""``support-monitor report weekly``: the managers' weekly trend report."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor import report
from monitor.cli.common import store_arg
from monitor.config import default_store
from monitor.records.errors import UsageError
from monitor.report.mail import SmtpSettings, send
from monitor.report.render import as_markdown
from monitor.steps.playbook import file as playbook_file


def main(args: argparse.Namespace) -> int:
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {args.timezone!r}") from None
    try:
        week = (report.Week.parse(args.week, args.timezone) if args.week else
                report.Week.containing(datetime.now(UTC) - timedelta(days=7), args.timezone))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    smtp = _smtp() if args.mail_to else None
    s = playbook_file.load(args.playbook).settings
    targets = report.Targets(s.first_reply_target_s, s.reply_target_s, s.anger_high)
    console_url = args.console_url or ""
    if console_url and not console_url.startswith(("https://", "http://")):
        raise UsageError(f"--console-url must start with https:// or http://, got {console_url!r}")
    result = report.weekly(store_arg(args.store) or default_store(), week, args.format, targets, console_url)
    if args.out == "-":
        sys.stdout.write(result.text)
    else:
        try:
            Path(args.out).write_text(result.text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.out}: {exc.strerror}") from None
    if smtp is not None:
        html = result.text if args.format == "html" else result.html()
        text = as_markdown(result.weekly)
        send(smtp, args.mail_to, f"客服情绪与升级周报 {week.label}", html, text)
    return 0


def _smtp() -> SmtpSettings:
    """The mail settings, from the environment (the password never on the command line)."""
    if not os.environ.get("SMTP_HOST"):
        raise UsageError("--mail-to needs $SMTP_HOST (and $SMTP_FROM, $SMTP_USER, … as needed)")
    return SmtpSettings(os.environ["SMTP_HOST"], int(os.environ.get("SMTP_PORT", "587")),
                        os.environ.get("SMTP_FROM", "support-monitor@localhost"),
                        os.environ.get("SMTP_USER"), os.environ.get("SMTP_PASSWORD"),
                        os.environ.get("SMTP_STARTTLS", "1") not in ("0", "false", "no"))
