"""``support-monitor demo``: the whole pipeline on the bundled sample stream."""

from __future__ import annotations

import argparse
from importlib import resources

from rich.console import Console

from monitor import app
from monitor.cli.common import store_arg
from monitor.cli.terminal import ConsoleFlags, print_summary
from monitor.config import OutputConfig, ProcessingConfig, RunConfig, SourceConfig
from monitor.models.bundle import load_models
from monitor.steps.playbook import file as playbook_file


def main(args: argparse.Namespace) -> int:
    console = Console()
    sample = resources.files("monitor") / "data" / "sample_stream.jsonl"
    with resources.as_file(sample) as path:
        config = RunConfig(
            source=SourceConfig(input_path=str(path)),
            outputs=OutputConfig(flags_out=args.flags_out, store_url=store_arg(args.store)),
            processing=ProcessingConfig(playbook=playbook_file.load(args.playbook)),
            models=load_models(args.models_dir))
        console.rule("support-monitor demo: replaying the bundled sample stream")
        stats = app.run(config, extra_sinks=[ConsoleFlags(console)])
    print_summary(console, stats)
    if config.outputs.store_url:
        store = config.outputs.store_url
        console.print(f"Flags and scores are in the store: [bold]{store}[/]")
        # The sample stream is dated in ISO week 2026-W47, not the default last week.
        console.print("Its weekly report: [bold]support-monitor report weekly --week 2026-W47 "
                      f"--store {store} --out week.html[/]", highlight=False, soft_wrap=True)
    return 0
