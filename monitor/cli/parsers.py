"""The argument parsers, one builder per subcommand. Light on purpose: building the whole
parser imports nothing but argparse, so ``--help`` and every command start fast; each
command's handler module (``monitor/cli/<command>.py``) is imported only when chosen."""

from __future__ import annotations

import argparse

from monitor import __version__
from monitor.cli.arguments import Parser, port, positive_int
from monitor.cli.service_parsers import add_console, add_ingest

MODELS_HELP = ("folder with the trained models: anger.npz + anger.json, support.npz + "
               "support.json, conversation_risk.json (default: the repository's models/ when "
               "it has them; else the rules alone)")
PLAYBOOK_HELP = ("YAML file with thresholds, response-time targets and term lists, applied "
                 "over the built-in one (see 'support-monitor playbook show')")


def _run(sub: argparse._SubParsersAction[Parser]) -> None:
    run = sub.add_parser("run", help="the main job: read events, write flags",
                         description="Read message events (JSON Lines), score them, follow "
                                     "conversations and raise playbook flags.")
    src = run.add_argument_group("source")
    src.add_argument("--input", metavar="PATH", help="JSON Lines file, or - for stdin")
    src.add_argument("--follow", action="store_true",
                     help="keep reading the --input file as it grows, until SIGTERM (e.g. the file "
                          "support-monitor ingest --to-file writes)")
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
    src.add_argument("--rebuild-window", type=positive_int, metavar="SECONDS",
                     help="on partition assignment, replay this much of the partition's event "
                          "time (before its committed offset) to rebuild conversation state, and "
                          "further back for conversations still open (default: the conversation "
                          "TTL)")
    src.add_argument("--max-poll-interval-ms", type=positive_int, default=300_000, metavar="MS",
                     help=argparse.SUPPRESS)
    src.add_argument("--session-timeout-ms", type=positive_int, default=45_000, metavar="MS",
                     help=argparse.SUPPRESS)
    out = run.add_argument_group("outputs")
    out.add_argument("--flags-out", metavar="PATH|-",
                     help="flags as JSON Lines, appended to PATH (default: stdout when no other "
                          "flag output)")
    out.add_argument("--pretty", action="store_true",
                     help="show each flag as a readable panel on the terminal instead of JSON on stdout")
    out.add_argument("--overwrite", action="store_true",
                     help="start the --flags-out, --scores-out and --dead-letter-out files afresh "
                          "instead of appending to them")
    out.add_argument("--flags-topic", metavar="T", help="also produce flags to this Kafka topic")
    out.add_argument("--dead-letter-topic", metavar="T",
                     help="produce invalid events with their reason to this Kafka topic")
    out.add_argument("--scores-out", metavar="PATH", help="one line of scores per message")
    out.add_argument("--dead-letter-out", metavar="PATH",
                     help="invalid events with their reason, the raw record masked")
    out.add_argument("--dead-letter-raw", action="store_true",
                     help="keep the raw record of a dead letter verbatim (non-UTF-8 as base64) so it "
                          "can be fixed and replayed; it then holds the customer's personal data")
    out.add_argument("--store", metavar="URL",
                     help="SQLite file or SQLAlchemy URL (postgresql://…); 'none' for no store; "
                          "default $SUPPORT_MONITOR_STORE or ./support-monitor.db")
    out.add_argument("--metrics-port", type=port, metavar="N",
                     help="serve Prometheus /metrics and /healthz, /readyz on this port")
    out.add_argument("--metrics-host", default="127.0.0.1", metavar="ADDRESS",
                     help="address of the metrics port (default 127.0.0.1; 0.0.0.0 in a container)")
    out.add_argument("--metrics-token", metavar="env:NAME|file:PATH",
                     help="bearer token /metrics asks for (health endpoints stay open)")
    out.add_argument("--alertmanager-url", metavar="URL",
                     help="push escalations (and critical urgent flags) to this Alertmanager")
    out.add_argument("--alert-link", metavar="TEMPLATE", default="",
                     help="link sent with each alert, e.g. https://console/flags/{flag_id}")
    tune = run.add_argument_group("tuning")
    tune.add_argument("--batch-size", type=positive_int, default=200, metavar="N")
    tune.add_argument("--conversation-ttl", type=positive_int, default=24 * 3600, metavar="SECONDS",
                      help="forget conversations idle this long in event time (default 86400)")
    tune.add_argument("--max-text", type=positive_int, default=16_384, metavar="CHARS",
                      help="longer message texts are scored and stored cut to this length, marked "
                           "truncated (default 16384)")
    tune.add_argument("--max-skew", type=positive_int, default=7 * 24 * 3600, metavar="SECONDS",
                      help="events further than this from the stream's time go to the dead letters "
                           "as timestamp_out_of_range (default 604800, 7 days)")
    tune.add_argument("--id-key", metavar="env:NAME|file:PATH",
                      help="key of the pseudonyms that replace ids holding personal data (a phone "
                           "number as conversation id); the same on every instance (default: a "
                           "built-in key, see README)")
    tune.add_argument("--playbook", metavar="FILE", help=PLAYBOOK_HELP)
    tune.add_argument("--models-dir", metavar="DIR", help=MODELS_HELP)
    tune.add_argument("--encoder", action="store_true",
                      help="second opinion on anger near a threshold from the e5 encoder (the "
                           "[encoder] extra; slow: see models/README.md); without it installed, "
                           "a notice and the n-gram models alone")
    run.add_argument("--quiet", action="store_true", help="no progress and no summary")


def _score(sub: argparse._SubParsersAction[Parser]) -> None:
    score = sub.add_parser("score", help="scores for single customer messages, as JSON",
                           description="Print anger, urgency, complaint type and signals of "
                                       "each TEXT as one JSON object per line.")
    score.add_argument("texts", nargs="+", metavar="TEXT")
    score.add_argument("--playbook", metavar="FILE", help=PLAYBOOK_HELP)
    score.add_argument("--models-dir", metavar="DIR", help=MODELS_HELP)


def _demo(sub: argparse._SubParsersAction[Parser]) -> None:
    demo = sub.add_parser("demo", help="the whole pipeline on the bundled sample stream",
                          description="Replay the bundled sample stream (no services needed), "
                                      "print the flags and write them to the store.")
    demo.add_argument("--store", metavar="URL", default="support-monitor-demo.db",
                      help="where the demo writes (default ./support-monitor-demo.db)")
    demo.add_argument("--flags-out", metavar="PATH", help="also write the flags as JSON Lines")
    demo.add_argument("--playbook", metavar="FILE", help=PLAYBOOK_HELP)
    demo.add_argument("--models-dir", metavar="DIR", help=MODELS_HELP)


def _report(sub: argparse._SubParsersAction[Parser]) -> None:
    report = sub.add_parser("report", help="reports for managers",
                            description="Reports read from the store.")
    report_sub = report.add_subparsers(dest="action", required=True, parser_class=Parser)
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
    weekly.add_argument("--playbook", metavar="FILE", help=PLAYBOOK_HELP)
    weekly.add_argument("--console-url", metavar="URL",
                        help="the console's address, to link each severe conversation to its flag page")


def _models(sub: argparse._SubParsersAction[Parser]) -> None:
    models = sub.add_parser("models", help="train and evaluate the models",
                            description="Measure the scorers on held-out public data. Needs the "
                                        "[train] extra: pip install 'support-monitor[train]'.")
    models_sub = models.add_subparsers(dest="action", required=True, parser_class=Parser)
    evaluate = models_sub.add_parser(
        "evaluate", help="anger ROC AUC / AP per evaluation set, and conversation risk on dch1",
        description="Print the model card's table: the scorer in use, the TF-IDF + logistic "
                    "regression baseline and snownlp on the Weibo emotion sets, and the "
                    "conversation-risk AUC on dch1_train.")
    evaluate.add_argument("--data-dir", required=True, metavar="DIR",
                          help="the shared data folder, e.g. ../shared/data")
    evaluate.add_argument("--skip-snownlp", action="store_true",
                          help="leave out snownlp (about 100 texts/s)")
    evaluate.add_argument("--playbook", metavar="FILE", help=PLAYBOOK_HELP)
    evaluate.add_argument("--models-dir", metavar="DIR", help=MODELS_HELP)
    train = models_sub.add_parser(
        "train", help="fit the anger, urgency/complaint-type and conversation-risk models",
        description="Fit the anger model on the Weibo train sets and the team's support "
                    "messages (models/anger.npz + anger.json), the urgency and complaint-type "
                    "model on the support messages (support.npz + support.json), then the "
                    "conversation-risk model on the satisfaction votes of dch1_train "
                    "(models/conversation_risk.json). Plain arrays, no pickle.")
    train.add_argument("--data-dir", required=True, metavar="DIR",
                       help="the shared data folder, e.g. ../shared/data")
    train.add_argument("--out", metavar="DIR",
                       help="where to write the models (default: the repository's models/)")
    train.add_argument("--feedback", metavar="STORE_URL",
                       help="also learn from the floor's verdicts in this store (a third of the "
                            "conversations held out and reported before/after)")
    train.add_argument("--feedback-weight", type=float, default=3.0, metavar="W",
                       help="what one floor label counts, in Weibo posts (default 3; see models/README.md)")
    train.add_argument("--models-dir", metavar="DIR", help="with --feedback: the models to compare "
                                                            "with (default: the repository's)")
    train.add_argument("--playbook", metavar="FILE", help=PLAYBOOK_HELP)


def _dashboards(sub: argparse._SubParsersAction[Parser]) -> None:
    dash = sub.add_parser("dashboards", help="export or upload the Grafana dashboards",
                          description="The Grafana dashboards (Floor live, Trends, Monitor health).")
    dash_sub = dash.add_subparsers(dest="action", required=True, parser_class=Parser)
    export = dash_sub.add_parser("export", help="write the dashboards as JSON files into DIR")
    export.add_argument("dir", metavar="DIR")
    push = dash_sub.add_parser("push", help="upload the dashboards through Grafana's HTTP API "
                                            "(token from $GRAFANA_TOKEN)")
    push.add_argument("--grafana-url", required=True, metavar="URL")
    push.add_argument("--folder-uid", metavar="UID", help="Grafana folder to put them in")


def _playbook(sub: argparse._SubParsersAction[Parser]) -> None:
    book = sub.add_parser("playbook", help="check or print the playbook file",
                          description="The playbook file holds thresholds, response-time "
                                      "targets and term lists (YAML).")
    book_sub = book.add_subparsers(dest="action", required=True, parser_class=Parser)
    check = book_sub.add_parser("check", help="check a playbook file; exit 2 with the line on error")
    check.add_argument("file", metavar="FILE")
    book_sub.add_parser("show", help="print the built-in playbook file, to copy and edit")
    propose = book_sub.add_parser(
        "propose", help="playbook changes the floor's verdicts ask for, replayed before and after",
        description="Replays the stored conversations with changes drawn from the reviewed flags "
                    "(a threshold per channel or queue, a term ignored, a closing phrase) and writes "
                    "those that remove false alarms without losing a confirmed flag to an override "
                    "file (it passes 'playbook check'); the before/after table goes to stdout. "
                    "Nothing changes until the file is loaded with --playbook.")
    propose.add_argument("--out", required=True, metavar="FILE", help="the override file to write")
    propose.add_argument("--store", metavar="URL", help="as for run (default $SUPPORT_MONITOR_STORE)")
    propose.add_argument("--playbook", metavar="FILE", help="the playbook file in use, proposed over "
                                                            "(default: the built-in one)")
    propose.add_argument("--models-dir", metavar="DIR", help=MODELS_HELP)
    propose.add_argument("--since", metavar="YYYY-MM-DD", help="first day replayed (default: all)")
    propose.add_argument("--until", metavar="YYYY-MM-DD", help="last day replayed, included")
    propose.add_argument("--timezone", default="Asia/Shanghai", metavar="TZ")


def _flags(sub: argparse._SubParsersAction[Parser]) -> None:
    flags = sub.add_parser("flags", help="list, show and act on flags (take, resolve, verdict, missed)",
                           description="The flags in the store and what people do with them "
                                       "(CONTRACT §5). Every action is recorded with who, when and "
                                       "from which client.")
    actions = flags.add_subparsers(dest="action", required=True, parser_class=Parser)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--store", metavar="URL", help="as for run (default $SUPPORT_MONITOR_STORE)")
        p.add_argument("--format", choices=("table", "json"), default="table")

    ls = actions.add_parser("list", help="flags, most urgent first")
    ls.add_argument("--status", choices=("open", "acknowledged", "resolved", "all"), default="open")
    ls.add_argument("--kind", action="append", default=[], metavar="K")
    ls.add_argument("--queue", action="append", default=[], metavar="Q")
    ls.add_argument("--channel", action="append", default=[], metavar="C")
    ls.add_argument("--limit", type=positive_int, default=200, metavar="N")
    common(ls)
    show = actions.add_parser("show", help="one flag with its conversation and history")
    show.add_argument("flag_id", metavar="FLAG_ID")
    common(show)
    for name, text in (("ack", "take the flag"), ("resolve", "say the flag is dealt with")):
        p = actions.add_parser(name, help=text)
        p.add_argument("flag_id", metavar="FLAG_ID")
        p.add_argument("--by", required=True, metavar="NAME", help="who acts")
        if name == "resolve":
            p.add_argument("--note", metavar="TEXT")
        common(p)
    verdict = actions.add_parser("verdict", help="confirmed, or false_alarm with a reason")
    verdict.add_argument("flag_id", metavar="FLAG_ID")
    verdict.add_argument("verdict", choices=("confirmed", "false_alarm"))
    verdict.add_argument("--by", required=True, metavar="NAME")
    verdict.add_argument("--reason", metavar="CODE", help="for a false alarm: not_angry, not_urgent, "
                         "no_reply_needed, already_handled, wrong_kind, other")
    verdict.add_argument("--note", metavar="TEXT")
    common(verdict)
    missed = actions.add_parser("missed", help="a customer message that should have raised a kind")
    missed.add_argument("message_id", metavar="MESSAGE_ID")
    missed.add_argument("--conversation", required=True, metavar="CONVERSATION_ID")
    missed.add_argument("--kind", required=True, choices=("handle_emotion_first", "escalate_supervisor",
                                                          "urgent", "agent_coaching"))
    missed.add_argument("--by", required=True, metavar="NAME")
    missed.add_argument("--note", metavar="TEXT")
    common(missed)


def _feedback(sub: argparse._SubParsersAction[Parser]) -> None:
    feedback = sub.add_parser("feedback", help="the floor's verdicts: how often the monitor is right",
                              description="Read the verdicts and missed reports in the store.")
    actions = feedback.add_subparsers(dest="action", required=True, parser_class=Parser)
    report = actions.add_parser(
        "report", help="precision per kind, reason, channel and queue, with 95% intervals",
        description="Flags raised, reviewed, confirmed, false alarms by reason, precision with a "
                    "95% Wilson interval and missed cases, per flag kind, reason code, channel and "
                    "queue; the rules and terms behind most false alarms; week by week.")
    report.add_argument("--store", metavar="URL", help="as for run (default $SUPPORT_MONITOR_STORE)")
    report.add_argument("--since", metavar="YYYY-MM-DD", help="first day (default: the first flag)")
    report.add_argument("--until", metavar="YYYY-MM-DD", help="last day, included (default: today)")
    report.add_argument("--timezone", default="Asia/Shanghai", metavar="TZ",
                        help="where days and weeks begin (default Asia/Shanghai)")
    report.add_argument("--format", choices=("table", "json", "html"), default="table")
    report.add_argument("--out", default="-", metavar="FILE", help="where to write it (default stdout)")


# Subcommand -> parser builder; the handler is ``monitor.cli.<subcommand>.main``.
BUILDERS = {"run": _run, "score": _score, "demo": _demo, "report": _report, "models": _models,
            "dashboards": _dashboards, "playbook": _playbook, "flags": _flags, "console": add_console,
            "feedback": _feedback, "ingest": add_ingest}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="support-monitor",
                    description="Anger and escalation monitor for Chinese customer-support chat streams.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for add in BUILDERS.values():
        add(sub)
    return parser
