"""``support-monitor ingest``: the webhook service (CONTRACT §6)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from monitor.cli.common import read_secret
from monitor.records.errors import UsageError

if TYPE_CHECKING:
    from monitor.ingest.wecom import Wecom


def main(args: argparse.Namespace) -> int:
    import uvicorn

    from monitor.ingest.app import Adapter, Ingest, create_app
    from monitor.ingest.contract import ContractEvents
    from monitor.ingest.metrics import IngestMetrics
    from monitor.ingest.webhooks import Chatwoot, Freshchat, Intercom, Zendesk
    from monitor.io.event_sinks import DeadLetterFile, EventSink, FileEvents, KafkaEvents

    if (args.to_kafka is None) == (args.to_file is None):
        raise UsageError("give one of --to-kafka BOOTSTRAP (with --topic) or --to-file PATH")
    if args.to_kafka is not None and not args.topic:
        raise UsageError("--to-kafka needs --topic")

    def secret(option: str) -> str | None:
        spec = getattr(args, option.replace("-", "_"))
        return None if spec is None else read_secret(spec, f"--{option}")

    window = float(args.window)
    adapters: dict[str, Adapter] = {}
    if (value := secret("chatwoot-secret")) is not None:
        adapters["chatwoot"] = Chatwoot(value, window)
    if (value := secret("zendesk-secret")) is not None:
        adapters["zendesk"] = Zendesk(value, window)
    if (value := secret("intercom-secret")) is not None:
        adapters["intercom"] = Intercom(value, window)
    if (value := secret("events-token")) is not None:
        adapters["events"] = ContractEvents(value)
    if (value := secret("freshchat-public-key")) is not None:
        freshchat = Freshchat(value, window)
        try:
            freshchat._key()
        except ValueError as exc:
            raise UsageError(f"--freshchat-public-key: not a PEM RSA public key ({exc})") from None
        adapters["freshchat"] = freshchat
    wecom = _wecom(args, secret, window)
    if not adapters and wecom is None:
        raise UsageError("no platform configured: give at least one secret (e.g. --events-token env:NAME)")
    sink: EventSink = (KafkaEvents(args.to_kafka, args.topic) if args.to_kafka is not None
                       else FileEvents(args.to_file))
    dead = DeadLetterFile(args.dead_letter_out) if args.dead_letter_out else None
    ingest = Ingest(adapters, sink, IngestMetrics(), wecom, dead, args.max_body, secret("metrics-token"))
    names = sorted([*adapters, *(["wecom"] if wecom else [])])
    print(f"support-monitor ingest on http://{args.host}:{args.port}/ingest/… ({', '.join(names)}) → "
          f"{'kafka topic ' + args.topic if args.to_kafka else args.to_file}", flush=True)
    try:
        uvicorn.run(create_app(ingest), host=args.host, port=args.port, log_level="warning",
                    access_log=False, proxy_headers=False, server_header=False)
    finally:
        sink.close()
        if dead is not None:
            dead.close()
    return 0


def _wecom(args: argparse.Namespace, secret: Callable[[str], str | None], window: float) -> Wecom | None:
    from monitor.ingest.wecom import Cursors, Wecom
    from monitor.ingest.wecom_crypto import WecomCrypto

    token, aes_key, corp_secret = secret("wecom-token"), secret("wecom-aes-key"), secret("wecom-corp-secret")
    if token is None and aes_key is None and corp_secret is None:
        return None
    if token is None or aes_key is None or corp_secret is None or not args.wecom_corp_id:
        raise UsageError("WeChat Work needs --wecom-token, --wecom-aes-key, --wecom-corp-secret "
                         "and --wecom-corp-id")
    try:
        crypto = WecomCrypto(token, aes_key, args.wecom_corp_id)
    except ValueError as exc:
        raise UsageError(f"--wecom-aes-key: {exc}") from None
    return Wecom(crypto, corp_secret, Cursors(args.wecom_cursor_file), args.wecom_api_url.rstrip("/"), window)
