"""Hostile bodies against every ingest endpoint (in process, the same ASGI app the service
serves): random bytes, wrong JSON, huge fields. Never a 5xx but 503, never an event
written without a valid signature, and a well-signed odd payload is a 400, not a 500."""

from __future__ import annotations

import json
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_payloads import FRESHCHAT_PUBLIC_PEM, PLATFORMS, SECRETS, WECOM_AES_KEY
from starlette.testclient import TestClient

from monitor.ingest.app import Ingest, create_app
from monitor.ingest.contract import ContractEvents
from monitor.ingest.metrics import IngestMetrics
from monitor.ingest.webhooks import Chatwoot, Freshchat, Intercom, Zendesk
from monitor.ingest.wecom import Cursors, Wecom
from monitor.ingest.wecom_crypto import WecomCrypto
from monitor.io.event_sinks import DeadLetterFile, FileEvents

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=20,
)


def client(tmp: Path) -> tuple[TestClient, Path]:
    out = tmp / "events.jsonl"
    adapters = {
        "chatwoot": Chatwoot(SECRETS["chatwoot"]),
        "zendesk": Zendesk(SECRETS["zendesk"]),
        "intercom": Intercom(SECRETS["intercom"]),
        "freshchat": Freshchat(FRESHCHAT_PUBLIC_PEM),
        "events": ContractEvents(SECRETS["events"]),
    }
    wecom = Wecom(
        WecomCrypto(SECRETS["wecom_token"], WECOM_AES_KEY, SECRETS["wecom_corp_id"]),
        "s",
        Cursors(str(tmp / "cursor.json")),
        "http://127.0.0.1:9",
    )
    ingest = Ingest(
        adapters,
        FileEvents(str(out)),
        IngestMetrics(),
        wecom,
        DeadLetterFile(str(tmp / "dead.jsonl")),
        max_body=64 * 1024,
    )
    return TestClient(create_app(ingest), raise_server_exceptions=False), out


PATHS = [
    "/ingest/chatwoot",
    "/ingest/zendesk",
    "/ingest/intercom",
    "/ingest/freshchat",
    "/ingest/events",
    "/ingest/wecom",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(PATHS),
    body=st.binary(max_size=2000) | JSONISH.map(lambda v: json.dumps(v).encode()),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "x-chatwoot-signature",
                "x-chatwoot-timestamp",
                "x-api-key",
                "x-hub-signature",
                "x-freshchat-signature",
                "authorization",
            ]
        ),
        st.text(max_size=80).filter(lambda s: s.isprintable() and s.isascii()),
        max_size=3,
    ),
)
def test_unsigned_hostile_bodies_never_write_or_crash(
    tmp_path: Path, path: str, body: bytes, headers: dict[str, str]
) -> None:
    http, out = client(tmp_path)
    answer = http.post(path, content=body, headers=headers, params={"timestamp": str(int(time.time()))})
    assert answer.status_code in (401, 404, 413), (
        answer.status_code,
        answer.text,
    )
    assert not out.exists() or out.read_bytes() == b""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(platform=st.sampled_from(["chatwoot", "intercom", "zendesk"]), payload=JSONISH)
def test_signed_odd_payloads_are_400_or_200_never_500(tmp_path: Path, platform: str, payload: object) -> None:
    """What a platform could sign that we did not expect: refused cleanly or mapped."""
    import hashlib
    import hmac

    http, _ = client(tmp_path)
    body = json.dumps(payload).encode()
    now = str(int(time.time()))
    headers = {
        "chatwoot": {
            "X-Chatwoot-Timestamp": now,
            "X-Chatwoot-Signature": "sha256="
            + hmac.new(SECRETS["chatwoot"].encode(), now.encode() + b"." + body, hashlib.sha256).hexdigest(),
        },
        "intercom": {
            "X-Hub-Signature": "sha1="
            + hmac.new(SECRETS["intercom"].encode(), body, hashlib.sha1).hexdigest()
        },
        "zendesk": {"X-API-Key": SECRETS["zendesk"]},
    }[platform]
    answer = http.post(f"/ingest/{platform}", content=body, headers=headers)
    assert answer.status_code in (200, 400, 401), (answer.status_code, answer.text)


def test_huge_fields_in_a_signed_payload(tmp_path: Path) -> None:
    http, out = client(tmp_path)
    for platform in PLATFORMS:
        signed = PLATFORMS[platform](text="好" * 30_000)  # 90 KB of text: over this client's 64 KiB limit
        assert http.post(signed.path, content=signed.body, headers=signed.headers).status_code == 413
        signed = PLATFORMS[platform](text="好" * 15_000)  # under it: the monitor cuts long texts itself
        assert http.post(signed.path, content=signed.body, headers=signed.headers).status_code == 200, (
            platform
        )
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(PLATFORMS)
