"""The ``support-monitor`` command line (CONTRACT §3).

``parsers.py`` builds the argument parser (light, so every command starts fast); each
subcommand's handler is the ``main(args)`` of its own module here, imported only when
that subcommand runs.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from monitor.cli.parsers import build_parser
from monitor.records.errors import UsageError

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        handler = importlib.import_module(f"monitor.cli.{args.command}")
        return int(handler.main(args))
    except UsageError as exc:
        print(f"support-monitor: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours. Quiet the final flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
