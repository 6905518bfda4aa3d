"""The ``support-monitor`` command line (CONTRACT §3)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import NoReturn

from rich.console import Console

from monitor import __version__, app, dashboards, playbook_file
from monitor.alerts import AlertSettings
from monitor.config import Config, default_store
from monitor.console import ConsoleFlags, print_summary, progress_bar
from monitor.errors import UsageError
from monitor.events import Event
from monitor.kafka_source import KafkaSettings
from monitor.models.loading import with_models
from monitor.models.risk_model import DEFAULT_DIR
from monitor.normalise import normalise
from monitor.privacy import mask
from monitor.runner import RunStats
from monitor.scoring import build_scorer


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line naming the problem, exit code 2, no usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"support-monitor: error: {message} (see --help)\n")


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value!r}")
    return number


_MODELS_HELP = ("folder with the trained models: anger.skops + anger.json, support.skops + "
                "support.json, conversation_risk.json (default: the repository's models/ when "
                "it has them; else the rules alone)")
_PLAYBOOK_HELP = ("YAML file with thresholds, response-time targets and term lists, applied "
                  "over the built-in one (see 'support-monitor playbook show')")


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 0..65535: {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="support-monitor",
        description="Anger and escalation monitor for Chinese customer-support chat streams.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="the main job: read events, write flags",
                         description="Read message events (JSON Lines), score them, follow "
                                     "conversations and raise playbook flags.")
    src = run.add_argument_group("source")
    src.add_argument("--input", metavar="PATH", help="JSON Lines file, or - for stdin")
    src.add_argument("--kafka-bootstrap", metavar="HOST:PORT[,…]",
                     help="consume from Kafka instead (with --topic and --group)")
    src.add_argument("--topic", action="append", metavar="T", help="input topic (repeatable)")
    src.add_argument("--group", metavar="G", help="consumer group id")
    src.add_argument("--kafka-start", choices=("earliest", "latest"), default="earliest",
                     help="where a group without committed offsets starts (default earliest)")
    src.add_argument("--kafka-option", action="append", default=[], metavar="KEY=VALUE",
                     help="kafka-python client setting passed through, e.g. "
                          "security_protocol=SASL_SSL, sasl_mechanism=PLAIN, "
                          "sasl_plain_password=env:KAFKA_PASSWORD (read from the environment)")
    src.add_argument("--rebuild-window", type=_positive_int, default=24 * 3600, metavar="SECONDS",
                     help="on partition assignment, re-read this much of the partition's "
                          "history to rebuild conversation state (default 86400)")
    src.add_argument("--max-poll-interval-ms", type=_positive_int, default=300_000, metavar="MS",
                     help=argparse.SUPPRESS)
    src.add_argument("--session-timeout-ms", type=_positive_int, default=45_000, metavar="MS",
                     help=argparse.SUPPRESS)
    out = run.add_argument_group("outputs")
    out.add_argument("--flags-out", metavar="PATH|-",
                     help="flags as JSON Lines (default: stdout when no other flag output)")
    out.add_argument("--flags-topic", metavar="T", help="also produce flags to this Kafka topic")
    out.add_argument("--dead-letter-topic", metavar="T",
                     help="produce invalid events with their reason to this Kafka topic")
    out.add_argument("--scores-out", metavar="PATH", help="one line of scores per message")
    out.add_argument("--dead-letter-out", metavar="PATH",
                     help="invalid events with their reason")
    out.add_argument("--store", metavar="URL",
                     help="SQLite file or SQLAlchemy URL (postgresql://…); 'none' for no store; "
                          "default $SUPPORT_MONITOR_STORE or ./support-monitor.db")
    out.add_argument("--metrics-port", type=_port, metavar="N",
                     help="serve Prometheus /metrics and /healthz, /readyz on this port")
    out.add_argument("--alertmanager-url", metavar="URL",
                     help="push escalations (and critical urgent flags) to this Alertmanager")
    out.add_argument("--alert-link", metavar="TEMPLATE", default="",
                     help="link sent with each alert, e.g. https://console/flags/{flag_id}")
    tune = run.add_argument_group("tuning")
    tune.add_argument("--batch-size", type=_positive_int, default=200, metavar="N")
    tune.add_argument("--conversation-ttl", type=_positive_int, default=24 * 3600, metavar="SECONDS",
                      help="forget conversations idle this long in event time (default 86400)")
    tune.add_argument("--playbook", metavar="FILE", help=_PLAYBOOK_HELP)
    tune.add_argument("--models-dir", metavar="DIR", help=_MODELS_HELP)
    run.add_argument("--quiet", action="store_true", help="no progress and no summary")

    score = sub.add_parser("score", help="scores for single customer messages, as JSON",
                           description="Print anger, urgency, complaint type and signals of "
                                       "each TEXT as one JSON object per line.")
    score.add_argument("texts", nargs="+", metavar="TEXT")
    score.add_argument("--playbook", metavar="FILE", help=_PLAYBOOK_HELP)
    score.add_argument("--models-dir", metavar="DIR", help=_MODELS_HELP)

    demo = sub.add_parser("demo", help="the whole pipeline on the bundled sample stream",
                          description="Replay the bundled sample stream (no services needed), "
                                      "print the flags and write them to the store.")
    demo.add_argument("--store", metavar="URL", default="support-monitor-demo.db",
                      help="where the demo writes (default ./support-monitor-demo.db)")
    demo.add_argument("--flags-out", metavar="PATH", help="also write the flags as JSON Lines")
    demo.add_argument("--playbook", metavar="FILE", help=_PLAYBOOK_HELP)
    demo.add_argument("--models-dir", metavar="DIR", help=_MODELS_HELP)

    report = sub.add_parser("report", help="reports for managers",
                            description="Reports read from the store.")
    report_sub = report.add_subparsers(dest="action", required=True, parser_class=_Parser)
    weekly = report_sub.add_parser(
        "weekly", help="the weekly trend report",
        description="Volume, anger, flags, escalations, response times against the targets, "
                    "complaint and customer types, coaching, week over week. Event time, ISO "
                    "weeks. E-mail: --mail-to plus $SMTP_HOST, $SMTP_PORT, $SMTP_FROM, "
                    "$SMTP_USER, $SMTP_PASSWORD, $SMTP_STARTTLS (default 1).")
    weekly.add_argument("--week", metavar="YYYY-Www",
                        help="ISO week, e.g. 2026-W47 (default: the last complete week)")
    weekly.add_argument("--store", metavar="URL", help="as for run (default $SUPPORT_MONITOR_STORE)")
    weekly.add_argument("--timezone", default="Asia/Shanghai", metavar="TZ",
                        help="where weeks begin and end (default Asia/Shanghai)")
    weekly.add_argument("--format", choices=("html", "md", "json"), default="html")
    weekly.add_argument("--out", required=True, metavar="FILE", help="where to write it (- for stdout)")
    weekly.add_argument("--mail-to", action="append", default=[], metavar="ADDRESS",
                        help="also send the report by e-mail (repeatable)")
    weekly.add_argument("--playbook", metavar="FILE", help=_PLAYBOOK_HELP)

    models = sub.add_parser("models", help="train and evaluate the models",
                            description="Measure the scorers on held-out public data.")
    models_sub = models.add_subparsers(dest="action", required=True, parser_class=_Parser)
    evaluate = models_sub.add_parser(
        "evaluate", help="anger ROC AUC / AP per evaluation set, and conversation risk on dch1",
        description="Print the model card's table: the scorer in use, the TF-IDF + logistic "
                    "regression baseline and snownlp on the Weibo emotion sets, and the "
                    "conversation-risk AUC on dch1_train.")
    evaluate.add_argument("--data-dir", required=True, metavar="DIR",
                          help="the shared data folder, e.g. ../shared/data")
    evaluate.add_argument("--skip-snownlp", action="store_true",
                          help="leave out snownlp (about 100 texts/s)")
    evaluate.add_argument("--playbook", metavar="FILE", help=_PLAYBOOK_HELP)
    evaluate.add_argument("--models-dir", metavar="DIR", help=_MODELS_HELP)
    train = models_sub.add_parser(
        "train", help="fit the anger, urgency/complaint-type and conversation-risk models",
        description="Fit the anger model on the Weibo train sets and the team's support "
                    "messages (models/anger.skops + anger.json), the urgency and complaint-type "
                    "model on the support messages (support.skops + support.json), then the "
                    "conversation-risk model on the satisfaction votes of dch1_train "
                    "(models/conversation_risk.json). No pickle.")
    train.add_argument("--data-dir", required=True, metavar="DIR",
                       help="the shared data folder, e.g. ../shared/data")
    train.add_argument("--out", default=str(DEFAULT_DIR), metavar="DIR",
                       help="where to write the model (default: the repository's models/)")
    train.add_argument("--playbook", metavar="FILE", help=_PLAYBOOK_HELP)

    dash = sub.add_parser("dashboards", help="export or upload the Grafana dashboards",
                          description="The Grafana dashboards (Floor live, Trends, Monitor health).")
    dash_sub = dash.add_subparsers(dest="action", required=True, parser_class=_Parser)
    export = dash_sub.add_parser("export", help="write the dashboards as JSON files into DIR")
    export.add_argument("dir", metavar="DIR")
    push = dash_sub.add_parser("push", help="upload the dashboards through Grafana's HTTP API "
                                            "(token from $GRAFANA_TOKEN)")
    push.add_argument("--grafana-url", required=True, metavar="URL")
    push.add_argument("--folder-uid", metavar="UID", help="Grafana folder to put them in")

    book = sub.add_parser("playbook", help="check or print the playbook file",
                          description="The playbook file holds thresholds, response-time "
                                      "targets and term lists (YAML).")
    book_sub = book.add_subparsers(dest="action", required=True, parser_class=_Parser)
    check = book_sub.add_parser("check", help="check a playbook file; exit 2 with the line on error")
    check.add_argument("file", metavar="FILE")
    book_sub.add_parser("show", help="print the built-in playbook file, to copy and edit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "score":
            return _score(args)
        if args.command == "playbook":
            return _playbook(args)
        if args.command == "dashboards":
            return _dashboards(args)
        if args.command == "report":
            return _report(args)
        if args.command == "models":
            return _models(args)
        return _demo(args)
    except UsageError as exc:
        print(f"support-monitor: error: {exc}", file=sys.stderr)
        return 2


def _store_arg(value: str | None) -> str | None:
    if value is None:
        return default_store()
    return None if value.lower() == "none" else value


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
        start=args.kafka_start, rebuild_window_s=args.rebuild_window,
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


def _run(args: argparse.Namespace) -> int:
    kafka = _kafka(args)
    if not args.input and kafka is None:
        raise UsageError("run needs --input PATH (or - for stdin), or --kafka-bootstrap")
    other_flag_output = bool(args.flags_topic)
    config = with_models(Config(
        input_path=args.input or "",
        kafka=kafka, flags_topic=args.flags_topic, dead_letter_topic=args.dead_letter_topic,
        flags_out=args.flags_out or (None if other_flag_output else "-"),
        scores_out=args.scores_out,
        dead_letter_out=args.dead_letter_out,
        store_url=_store_arg(args.store),
        batch_size=args.batch_size,
        conversation_ttl_s=args.conversation_ttl,
        playbook=playbook_file.load(args.playbook),
        metrics_port=args.metrics_port,
        alerts=_alerts(args),
    ), args.models_dir)
    err = Console(stderr=True)
    if not (config.anger_model or config.support_model or config.risk_model):
        # An installed (not editable) package has no models/ beside it: say so rather than
        # silently scoring with the rules alone.
        err.print(f"warning: no trained models in {DEFAULT_DIR}; scoring with the rules alone "
                  "(give --models-dir DIR)", highlight=False, soft_wrap=True)
    if args.quiet:
        app.run(config)
        return 0
    stats = _with_progress(config, err)
    print_summary(err, stats)
    return 0


def _with_progress(config: Config, err: Console) -> RunStats:
    if not err.is_terminal or config.input_path in ("-", ""):
        return app.run(config)
    with progress_bar(err) as bar:
        task = bar.add_task("replay", total=None, msgs=0, rate=0.0)

        def update(stats: RunStats) -> None:
            done, total = stats.progress
            bar.update(task, completed=done, total=total, msgs=stats.messages, rate=stats.rate)

        return app.run(config, on_batch=update)


def _score(args: argparse.Namespace) -> int:
    config = with_models(Config(input_path="-", playbook=playbook_file.load(args.playbook)),
                         args.models_dir)
    scorer = build_scorer(config.playbook.lexicon, config.anger_model, config.support_model)
    events = [Event("cli", "cli", 0, "customer", t, norm_text=normalise(t)) for t in args.texts]
    for text, s in zip(args.texts, scorer.score_batch(events), strict=True):
        print(json.dumps({
            "text": mask(text), "anger": s.anger, "urgency": s.urgency,
            "complaint_type": s.complaint_type,
            "signals": [{"code": x.code, "detail": x.detail} for x in s.signals],
            "scorer": scorer.name,
        }, ensure_ascii=False))
    return 0


def _demo(args: argparse.Namespace) -> int:
    console = Console()
    sample = resources.files("monitor") / "data" / "sample_stream.jsonl"
    with resources.as_file(sample) as path:
        config = with_models(Config(input_path=str(path), flags_out=args.flags_out,
                                    store_url=_store_arg(args.store),
                                    playbook=playbook_file.load(args.playbook)), args.models_dir)
        console.rule("support-monitor demo: replaying the bundled sample stream")
        stats = app.run(config, extra_sinks=[ConsoleFlags(console)])
    print_summary(console, stats)
    if config.store_url:
        console.print(f"Flags and scores are in the store: [bold]{config.store_url}[/]")
    return 0


def _report(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from monitor import report
    from monitor.report.mail import SmtpSettings, send
    from monitor.report.render import as_markdown

    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {args.timezone!r}") from None
    try:
        week = (report.Week.parse(args.week, args.timezone) if args.week else
                report.Week.containing(datetime.now(UTC) - timedelta(days=7), args.timezone))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    smtp = None
    if args.mail_to:
        if not os.environ.get("SMTP_HOST"):
            raise UsageError("--mail-to needs $SMTP_HOST (and $SMTP_FROM, $SMTP_USER, … as needed)")
        smtp = SmtpSettings(os.environ["SMTP_HOST"], int(os.environ.get("SMTP_PORT", "587")),
                            os.environ.get("SMTP_FROM", "support-monitor@localhost"),
                            os.environ.get("SMTP_USER"), os.environ.get("SMTP_PASSWORD"),
                            os.environ.get("SMTP_STARTTLS", "1") not in ("0", "false", "no"))
    s = playbook_file.load(args.playbook).settings
    targets = report.Targets(s.first_reply_target_s, s.reply_target_s, s.anger_high)
    result = report.weekly(_store_arg(args.store) or default_store(), week, args.format, targets)
    if args.out == "-":
        sys.stdout.write(result.text)
    else:
        try:
            Path(args.out).write_text(result.text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.out}: {exc.strerror}") from None
    if smtp is not None:
        html = result.text if args.format == "html" else result.html()
        text = as_markdown(result.this, result.last)
        send(smtp, args.mail_to, f"客服情绪与升级周报 {week.label}", html, text)
    return 0


def _models(args: argparse.Namespace) -> int:
    book = playbook_file.load(args.playbook)
    if args.action == "train":
        from monitor.models.train import train_anger, train_risk, train_support

        out = Path(args.out)
        anger = train_anger(Path(args.data_dir), out)
        print(f"wrote {out / 'anger.skops'}: held-out ROC AUC / AP "
              + "; ".join(f"{k} {v}" for k, v in anger.metadata["held_out_roc_auc_ap"].items()))
        support = train_support(book, out)
        print(f"wrote {out / 'support.skops'}: held out, "
              + "; ".join(f"{k} {v}" for k, v in support.metadata["held_out"].items()))
        path, model = train_risk(Path(args.data_dir), book, out, anger, support)
        print(f"wrote {path}: cross-validated ROC AUC {model.metadata['cv_roc_auc_5fold']:.3f} "
              f"on {model.metadata['samples']} dialogues")
        return 0
    from monitor.models.evaluate import report as models_report

    models = with_models(Config(input_path="-"), args.models_dir)
    print(models_report(Path(args.data_dir), book, snownlp=not args.skip_snownlp,
                        risk_model=models.risk_model, anger=models.anger_model,
                        support=models.support_model))
    return 0


def _dashboards(args: argparse.Namespace) -> int:
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


def _playbook(args: argparse.Namespace) -> int:
    if args.action == "show":
        sys.stdout.write(playbook_file.builtin_text())
        return 0
    book = playbook_file.load(args.file)
    s = book.settings
    print(f"{args.file}: OK (sha256 {book.sha256[:12]}); anger_high {s.anger_high}, "
          f"first reply {s.first_reply_target_s:g} s, reply {s.reply_target_s:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
