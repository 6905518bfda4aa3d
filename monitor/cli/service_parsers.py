"""The parsers of the two services beside the monitor: the supervisors' console and the
webhook ingest (``parsers.py`` holds the others; the same rules apply)."""

from __future__ import annotations

import argparse

from monitor.cli.arguments import Parser, port, positive_int


def add_console(sub: argparse._SubParsersAction[Parser]) -> None:
    console = sub.add_parser(
        "console", help="the supervisors' web console (and its users)",
        description="Serve the console: the queue of flags, each flag's page with its actions, "
                    "the on-call view and the JSON API (CONTRACT §5). Secrets are given as env:NAME "
                    "or file:PATH, never on the command line.")
    console.add_argument("--store", metavar="URL", help="as for run (default $SUPPORT_MONITOR_STORE)")
    console.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    console.add_argument("--port", type=port, default=8080)
    console.add_argument("--users", metavar="FILE", default="console-users.json",
                         help="the users file (default ./console-users.json)")
    console.add_argument("--session-secret", metavar="env:NAME|file:PATH",
                         help="key that signs session cookies; the same on every console behind one "
                              "address (default: a new random key, so sessions end on restart)")
    console.add_argument("--secure-cookies", action="store_true",
                         help="send cookies over HTTPS only (set it behind an HTTPS proxy)")
    console.add_argument("--trusted-proxy-header", metavar="HEADER",
                         help="single sign-on: trust this header as the user name (off by default)")
    console.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                         help="the proxy's own address; the header counts only from it (repeatable)")
    console.add_argument("--access-log", action="store_true", help="log every request (off: no ids in logs)")
    console.add_argument("--playbook", metavar="FILE",
                         help="the monitor's playbook: its thresholds order the review list")
    console.add_argument("--timezone", default="Asia/Shanghai", metavar="TZ",
                         help="the floor's time zone for the times pages show (default Asia/Shanghai)")
    actions = console.add_subparsers(dest="console_action", parser_class=Parser)
    add = actions.add_parser("add-user", help="add a user or set a user's password and role")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=("supervisor", "lead", "viewer"))
    add.add_argument("--users", metavar="FILE", default="console-users.json")
    add.add_argument("--password-file", metavar="PATH",
                     help="read the password from this file (default: ask on the terminal)")
    add.add_argument("--queue", action="append", default=[], metavar="Q",
                     help="the queues a supervisor or viewer sees (repeatable; default all)")
    token = actions.add_parser("token", help="a new API token for a user, printed on the last line")
    token.add_argument("name", metavar="NAME")
    token.add_argument("--users", metavar="FILE", default="console-users.json")


def add_ingest(sub: argparse._SubParsersAction[Parser]) -> None:
    ingest = sub.add_parser(
        "ingest", help="receive helpdesk webhooks and write contract events (CONTRACT §6)",
        description="Verifies each webhook (signature, token, timestamp window), maps its chat "
                    "messages to contract events and answers 200 only once they are durable. "
                    "Secrets as env:NAME or file:PATH, never as values.")
    ingest.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ingest.add_argument("--port", type=port, default=8090)
    ingest.add_argument("--to-kafka", metavar="BOOTSTRAP", help="write to this Kafka cluster (acks=all)")
    ingest.add_argument("--topic", metavar="T", help="the message topic (with --to-kafka)")
    ingest.add_argument("--to-file", metavar="PATH", help="append JSON Lines here, fsync'd (a pilot)")
    secret = "env:NAME or file:PATH"
    for name, what in (("chatwoot-secret", "Chatwoot webhook secret"),
                       ("zendesk-secret", "Zendesk (Sunshine Conversations) webhook secret"),
                       ("wecom-token", "企业微信客服 callback Token"),
                       ("wecom-aes-key", "企业微信客服 EncodingAESKey"),
                       ("wecom-corp-secret", "企业微信客服 secret (for kf/sync_msg)"),
                       ("freshchat-public-key", "Freshchat webhook public key (PEM)"),
                       ("intercom-secret", "Intercom app client secret"),
                       ("events-token", "bearer token for POST /ingest/events"),
                       ("metrics-token", "bearer token for /metrics (default: no token)")):
        ingest.add_argument(f"--{name}", metavar="env:NAME|file:PATH", help=f"{what}, as {secret}")
    ingest.add_argument("--wecom-corp-id", metavar="ID", help="the WeChat Work CorpID")
    ingest.add_argument("--wecom-api-url", default="https://qyapi.weixin.qq.com", metavar="URL",
                        help="base URL of the WeChat Work API (default https://qyapi.weixin.qq.com)")
    ingest.add_argument("--wecom-cursor-file", default="wecom-cursor.json", metavar="PATH",
                        help="where the sync_msg cursor is kept (default ./wecom-cursor.json)")
    ingest.add_argument("--max-body", type=positive_int, default=1 << 20, metavar="BYTES",
                        help="larger bodies are refused with 413 (default 1 MiB)")
    ingest.add_argument("--window", type=positive_int, default=300, metavar="SECONDS",
                        help="accept signed timestamps this far from now (default 300)")
    ingest.add_argument("--dead-letter-out", metavar="PATH",
                        help="authentic payloads that cannot be mapped, masked, with the reason")
