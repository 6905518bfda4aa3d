"""Chatwoot, Zendesk messaging, Freshchat and Intercom webhooks, each from the platform's
public documentation: how it signs a request, and which of its messages are chat lines."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from monitor.ingest.common import (
    Request,
    Unauthorized,
    Unmappable,
    check_window,
    epoch_s,
    event,
    hmac_hex,
    json_body,
    same,
    text_of_html,
)

# Chatwoot inbox channel types -> the contract's channels.
CHATWOOT_CHANNELS = {"Channel::Email": "email", "Channel::FacebookPage": "social",
                     "Channel::TwitterProfile": "social", "Channel::Whatsapp": "app",
                     "Channel::Telegram": "app", "Channel::Line": "app", "Channel::Sms": "phone",
                     "Channel::TwilioSms": "phone"}
CHATWOOT_KINDS = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}


@dataclass(frozen=True)
class Chatwoot:
    """``message_created``; ``X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret,
    "{timestamp}.{raw body}")>`` with ``X-Chatwoot-Timestamp`` in Unix seconds."""

    secret: str
    window_s: float = 300.0
    name: str = "chatwoot"

    def verify(self, req: Request) -> None:
        ts, given = req.headers.get("x-chatwoot-timestamp", ""), req.headers.get("x-chatwoot-signature", "")
        if not ts.isdigit() or not given.startswith("sha256="):
            raise Unauthorized("signature or timestamp missing")
        expected = "sha256=" + hmac_hex(self.secret, ts.encode() + b"." + req.body, "sha256")
        if not same(given, expected):
            raise Unauthorized("bad signature")
        check_window(int(ts), req.now_s, self.window_s)

    def events(self, req: Request) -> list[dict[str, Any]]:
        p = json_body(req.body)
        if not isinstance(p, dict) or p.get("event") != "message_created":
            return []  # conversation_created, typing, … are no chat lines
        raw_kind = p.get("message_type")
        kind = CHATWOOT_KINDS.get(raw_kind, raw_kind) if isinstance(raw_kind, int) else raw_kind
        if p.get("private") or kind not in ("incoming", "outgoing", "template"):
            return []  # private notes and activity messages ("assigned to …") are not chat
        conversation = p.get("conversation") or {}
        account = (p.get("account") or {}).get("id", "")
        inbox = p.get("inbox") or {}
        channel_type = str(conversation.get("channel") or inbox.get("channel_type") or "")
        channel = CHATWOOT_CHANNELS.get(channel_type, "chat")
        sender = p.get("sender") or {}
        content = p.get("content")
        if not isinstance(content, str):
            content = ""  # an attachment without text: still a turn of the conversation
        conversation_id = f"{account}:{conversation.get('id', '')}" if account else conversation.get("id")
        role = "customer" if kind == "incoming" else "agent"
        queue = inbox.get("name") if isinstance(inbox.get("name"), str) else None
        return [event(self.name, conversation_id, p.get("id"), epoch_s(p.get("created_at")), role,
                      content, channel, sender.get("id"), queue)]


@dataclass(frozen=True)
class Zendesk:
    """Sunshine Conversations v2 webhooks (``conversation:message``); the webhook's secret
    comes in ``X-API-Key``. The body carries no signature, so the window applies to each
    event's ``createdAt``."""

    secret: str
    window_s: float = 300.0
    name: str = "zendesk"

    def verify(self, req: Request) -> None:
        if not same(req.headers.get("x-api-key", ""), self.secret):
            raise Unauthorized("bad or missing X-API-Key")

    def events(self, req: Request) -> list[dict[str, Any]]:
        p = json_body(req.body)
        if not isinstance(p, dict) or not isinstance(p.get("events"), list):
            raise Unmappable("not_zendesk", "no events list")
        out = []
        for e in p["events"]:
            if not isinstance(e, dict) or e.get("type") != "conversation:message":
                continue
            ts = epoch_s(e.get("createdAt"))
            check_window(ts, req.now_s, self.window_s)
            payload = e.get("payload") or {}
            message, conversation = payload.get("message") or {}, payload.get("conversation") or {}
            author, content = message.get("author") or {}, message.get("content") or {}
            role = {"user": "customer", "business": "agent"}.get(str(author.get("type")))
            if role is None:
                raise Unmappable("bad_role", "the author is neither user nor business")
            text = str(content["text"]) if isinstance(content.get("text"), str) else ""
            out.append(event(self.name, conversation.get("id"), message.get("id"),
                             epoch_s(message.get("received") or e.get("createdAt")), role, text,
                             agent=author.get("userId") or author.get("displayName")))
        return out


@dataclass(frozen=True)
class Freshchat:
    """``message_create``; ``X-Freshchat-Signature``: base64 RSA-SHA256 (PKCS#1 v1.5) of
    the raw body, verified with the account's public key. The window applies to
    ``action_time``, which the signature covers."""

    public_key_pem: str
    window_s: float = 300.0
    name: str = "freshchat"

    def _key(self) -> rsa.RSAPublicKey:
        key = serialization.load_pem_public_key(self.public_key_pem.encode())
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("the Freshchat key is not an RSA public key")
        return key

    def verify(self, req: Request) -> None:
        try:
            signature = base64.b64decode(req.headers.get("x-freshchat-signature", ""), validate=True)
            self._key().verify(signature, req.body, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise Unauthorized("bad or missing signature") from None
        p = json_body(req.body)
        check_window(epoch_s(p.get("action_time") if isinstance(p, dict) else None), req.now_s, self.window_s)

    def events(self, req: Request) -> list[dict[str, Any]]:
        p = json_body(req.body)
        if not isinstance(p, dict) or p.get("action") != "message_create":
            return []
        message = ((p.get("data") or {}).get("message")) or {}
        if message.get("message_type", "normal") != "normal":
            return []  # private notes and system messages
        role = {"user": "customer", "agent": "agent", "system": "system"}.get(str(message.get("actor_type")))
        if role is None:
            raise Unmappable("bad_role", "the actor is neither user, agent nor system")
        parts = message.get("message_parts") or []
        text = " ".join(str((part.get("text") or {}).get("content", "")) for part in parts
                        if isinstance(part, dict) and isinstance(part.get("text"), dict)).strip()
        return [event(self.name, message.get("conversation_id"), message.get("id"),
                      epoch_s(message.get("created_time") or p.get("action_time")), role, text,
                      agent=message.get("actor_id"))]


@dataclass(frozen=True)
class Intercom:
    """``conversation.user.replied`` / ``conversation.admin.replied`` (and ``…created``);
    ``X-Hub-Signature: sha1=<hex HMAC-SHA1(client secret, raw body)>``. The window applies
    to the notification's ``created_at``."""

    secret: str
    window_s: float = 300.0
    name: str = "intercom"
    TOPICS: ClassVar[dict[str, str]] = {"conversation.user.replied": "customer",
                                        "conversation.user.created": "customer",
                                        "conversation.admin.replied": "agent"}

    def verify(self, req: Request) -> None:
        expected = "sha1=" + hmac_hex(self.secret, req.body, "sha1")
        if not same(req.headers.get("x-hub-signature", ""), expected):
            raise Unauthorized("bad or missing signature")
        p = json_body(req.body)
        check_window(epoch_s(p.get("created_at") if isinstance(p, dict) else None), req.now_s, self.window_s)

    def events(self, req: Request) -> list[dict[str, Any]]:
        p = json_body(req.body)
        role = self.TOPICS.get(str(p.get("topic"))) if isinstance(p, dict) else None
        if role is None:
            return []  # other topics (ping, assignment, …)
        item = ((p.get("data") or {}).get("item")) or {}
        parts = ((item.get("conversation_parts") or {}).get("conversation_parts")) or []
        if p["topic"] == "conversation.user.created":
            source = item.get("source") or {}
            parts = [{"id": f"{item.get('id')}-source", "part_type": "comment",
                      "body": source.get("body", ""), "created_at": item.get("created_at"),
                      "author": source.get("author") or {}}]
        out = []
        for part in parts:
            if not isinstance(part, dict) or part.get("part_type") not in ("comment", "open", None):
                continue  # notes, assignments, closes
            body = str(part["body"]) if isinstance(part.get("body"), str) else ""
            author = part.get("author") or {}
            out.append(event(self.name, item.get("id"), part.get("id"), epoch_s(part.get("created_at")), role,
                             text_of_html(body), agent=author.get("id")))
        return out
