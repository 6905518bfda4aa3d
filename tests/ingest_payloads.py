"""Webhook payloads the team wrote from each platform's documented schema, how each
platform signs them, and the contract event each must become."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SECRETS = {
    "chatwoot": "cw-secret-0123456789",
    "zendesk": "zd-webhook-secret-0123",
    "intercom": "ic-client-secret-0123",
    "events": "events-token-0123456789",
    "wecom_token": "wecomToken123",
    "wecom_corp_secret": "corpsecret-abc",
    "wecom_corp_id": "ww0123456789abcdef",
}
WECOM_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # 43 characters, as WeChat Work issues them
FRESHCHAT_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
FRESHCHAT_PUBLIC_PEM = (
    FRESHCHAT_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
TEXT = "你们的快递三天了还没到，气死了！！！"


@dataclass(frozen=True)
class Signed:
    path: str
    body: bytes
    headers: dict[str, str]
    expected: dict[str, Any]  # the contract event it must become


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def chatwoot(
    message_id: int = 501,
    text: str = TEXT,
    secret: str = SECRETS["chatwoot"],
    ts: int | None = None,
    message_type: Any = "incoming",
    private: bool = False,
) -> Signed:
    now = int(time.time()) if ts is None else ts
    body = _json(
        {
            "event": "message_created",
            "id": message_id,
            "content": text,
            "message_type": message_type,
            "private": private,
            "created_at": now,
            "content_type": "text",
            "conversation": {"id": 42, "channel": "Channel::WebWidget", "status": "open"},
            "sender": {"id": 7, "name": "客户", "type": "contact"},
            "inbox": {"id": 3, "name": "售后"},
            "account": {"id": 1, "name": "Shop"},
        }
    )
    stamp = str(now)
    signature = (
        "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )
    return Signed(
        "/ingest/chatwoot",
        body,
        {
            "X-Chatwoot-Signature": signature,
            "X-Chatwoot-Timestamp": stamp,
            "Content-Type": "application/json",
        },
        {
            "conversation_id": "chatwoot:1:42",
            "message_id": f"chatwoot:{message_id}",
            "ts": now * 1000,
            "role": "customer",
            "text": text,
            "channel": "chat",
            "queue": "售后",
        },
    )


def zendesk(
    message_id: str = "msg_61f0",
    text: str = TEXT,
    secret: str = SECRETS["zendesk"],
    ts: float | None = None,
    author: str = "user",
) -> Signed:
    now = time.time() if ts is None else ts
    created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".000Z"
    body = _json(
        {
            "app": {"id": "5f9a"},
            "webhook": {"id": "wh1", "version": "v2"},
            "events": [
                {
                    "id": "ev1",
                    "createdAt": created,
                    "type": "conversation:message",
                    "payload": {
                        "conversation": {"id": "conv_8c1", "type": "personal"},
                        "message": {
                            "id": message_id,
                            "received": created,
                            "author": {"type": author, "userId": "user_1", "displayName": "客户"},
                            "content": {"type": "text", "text": text},
                            "source": {"type": "web"},
                        },
                    },
                }
            ],
        }
    )
    expected = {
        "conversation_id": "zendesk:conv_8c1",
        "message_id": f"zendesk:{message_id}",
        "ts": int(now) * 1000,
        "role": "customer" if author == "user" else "agent",
        "text": text,
        "channel": "chat",
    }
    if author == "business":
        expected["agent_id"] = "zendesk:user_1"
    return Signed(
        "/ingest/zendesk", body, {"X-API-Key": secret, "Content-Type": "application/json"}, expected
    )


def freshchat(
    message_id: str = "fc-m-1", text: str = TEXT, key: Any = FRESHCHAT_KEY, ts: float | None = None
) -> Signed:
    now = time.time() if ts is None else ts
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".000Z"
    body = _json(
        {
            "actor": {"actor_type": "user", "actor_id": "u-9"},
            "action": "message_create",
            "action_time": stamp,
            "data": {
                "message": {
                    "message_parts": [{"text": {"content": text}}],
                    "app_id": "app-1",
                    "actor_id": "u-9",
                    "id": message_id,
                    "channel_id": "ch-1",
                    "conversation_id": "fc-conv-3",
                    "message_type": "normal",
                    "actor_type": "user",
                    "created_time": stamp,
                }
            },
        }
    )
    signature = base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()
    return Signed(
        "/ingest/freshchat",
        body,
        {"X-Freshchat-Signature": signature, "Content-Type": "application/json"},
        {
            "conversation_id": "freshchat:fc-conv-3",
            "message_id": f"freshchat:{message_id}",
            "ts": int(now) * 1000,
            "role": "customer",
            "text": text,
            "channel": "chat",
        },
    )


def intercom(
    part_id: str = "7001",
    text: str = TEXT,
    secret: str = SECRETS["intercom"],
    ts: int | None = None,
    topic: str = "conversation.user.replied",
) -> Signed:
    now = int(time.time()) if ts is None else ts
    body = _json(
        {
            "type": "notification_event",
            "topic": topic,
            "id": "notif_1",
            "created_at": now,
            "data": {
                "type": "notification_event_data",
                "item": {
                    "type": "conversation",
                    "id": "1911",
                    "created_at": now - 60,
                    "conversation_parts": {
                        "type": "conversation_part.list",
                        "conversation_parts": [
                            {
                                "type": "conversation_part",
                                "id": part_id,
                                "part_type": "comment",
                                "body": f"<p>{text}</p>",
                                "created_at": now,
                                "author": {"type": "user", "id": "5f1"},
                            }
                        ],
                    },
                },
            },
        }
    )
    signature = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return Signed(
        "/ingest/intercom",
        body,
        {"X-Hub-Signature": signature, "Content-Type": "application/json"},
        {
            "conversation_id": "intercom:1911",
            "message_id": f"intercom:{part_id}",
            "ts": now * 1000,
            "role": "customer",
            "text": text,
            "channel": "chat",
        },
    )


def events(message_id: str = "e1", text: str = TEXT, token: str = SECRETS["events"]) -> Signed:
    event = {
        "conversation_id": "api-c1",
        "message_id": message_id,
        "ts": int(time.time()) * 1000,
        "role": "customer",
        "text": text,
    }
    return Signed(
        "/ingest/events",
        _json(event),
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        event,
    )


PLATFORMS = {
    "chatwoot": chatwoot,
    "zendesk": zendesk,
    "freshchat": freshchat,
    "intercom": intercom,
    "events": events,
}


def ingest_env() -> dict[str, str]:
    """The secrets as the service reads them: from the environment, never the command line."""
    return {
        "CW_SECRET": SECRETS["chatwoot"],
        "ZD_SECRET": SECRETS["zendesk"],
        "IC_SECRET": SECRETS["intercom"],
        "EV_TOKEN": SECRETS["events"],
        "FC_KEY": FRESHCHAT_PUBLIC_PEM,
        "WC_TOKEN": SECRETS["wecom_token"],
        "WC_AES": WECOM_AES_KEY,
        "WC_SECRET": SECRETS["wecom_corp_secret"],
    }


SECRET_ARGS = [
    "--chatwoot-secret",
    "env:CW_SECRET",
    "--zendesk-secret",
    "env:ZD_SECRET",
    "--intercom-secret",
    "env:IC_SECRET",
    "--events-token",
    "env:EV_TOKEN",
    "--freshchat-public-key",
    "env:FC_KEY",
]
WECOM_ARGS = [
    "--wecom-token",
    "env:WC_TOKEN",
    "--wecom-aes-key",
    "env:WC_AES",
    "--wecom-corp-secret",
    "env:WC_SECRET",
    "--wecom-corp-id",
    SECRETS["wecom_corp_id"],
]
