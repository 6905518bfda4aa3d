"""``support-monitor dashboards export|push``: the Grafana dashboards."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from monitor.ops import dashboards
from monitor.records.errors import UsageError


def main(args: argparse.Namespace) -> int:
    if args.action == "export":
        try:
            written = dashboards.export(Path(args.dir))
        except OSError as exc:
            raise UsageError(f"cannot write dashboards to {args.dir}: {exc.strerror}") from None
        for path in written:
            print(path)
        return 0
    token = os.environ.get("GRAFANA_TOKEN")
    if not token:
        raise UsageError("dashboards push needs a Grafana service-account token in $GRAFANA_TOKEN")
    try:
        urls = dashboards.push(args.grafana_url, token, args.folder_uid)
    except dashboards.PushError as exc:  # the remote Grafana failed: one line, exit 1
        print(f"support-monitor: error: push to {args.grafana_url} failed: {exc}", file=sys.stderr)
        return 1
    for url in urls:
        print(url)
    return 0
