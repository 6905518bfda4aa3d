"""企业微信客服 (WeChat Work customer service): the callback only says "there are new
messages" (``kf_msg_or_event``); the service then pulls ``kf/sync_msg`` from the cursor it
stored, page by page while ``has_more``, writes each page durably and only then stores
the page's ``next_cursor`` (written to a new file, fsync'd, renamed): after a restart it
neither skips nor repeats a page. ``origin`` 3 is the customer, 5 an agent (servicer), 4
the system. The API's base URL is configuration, so tests run it against their own server.

One instance should pull for a customer-service account (or all share the cursor file):
two instances with their own cursors would both write every message — the monitor still
processes each once, by its ``message_id``.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeXml
import httpx

from monitor.ingest.common import Request, Unauthorized, Unmappable, check_window, event
from monitor.ingest.wecom_crypto import WecomCrypto
from monitor.records.errors import Backpressure

PLACEHOLDERS = {"image": "[图片]", "voice": "[语音]", "video": "[视频]", "file": "[文件]",
                "location": "[位置]", "link": "[链接]", "business_card": "[名片]", "miniprogram": "[小程序]",
                "msgmenu": "[菜单]", "channels": "[视频号]", "channels_shop_product": "[商品]"}
ORIGINS = {3: "customer", 5: "agent", 4: "system"}


@dataclass(frozen=True)
class Callback:
    """What a verified callback asks for: pull the messages of this account."""

    open_kfid: str
    sync_token: str


class Cursors:
    """The last stored ``next_cursor`` per customer-service account, in one JSON file."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.lock = threading.Lock()

    def get(self, open_kfid: str) -> str:
        try:
            return str(json.loads(self.path.read_text(encoding="utf-8")).get(open_kfid, ""))
        except FileNotFoundError:
            return ""

    def put(self, open_kfid: str, cursor: str) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {}
        data[open_kfid] = cursor
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


@dataclass
class Wecom:
    crypto: WecomCrypto
    corp_secret: str
    cursors: Cursors
    base_url: str = "https://qyapi.weixin.qq.com"
    window_s: float = 300.0
    name: str = "wecom"
    timeout_s: float = 10.0
    _token: tuple[str, float] = field(default=("", 0.0), repr=False)

    def _signed(self, req: Request, encrypted: str) -> None:
        q = req.query
        self.crypto.check(q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", ""), encrypted)
        if not q.get("timestamp", "").isdigit():
            raise Unauthorized("timestamp missing")
        check_window(int(q["timestamp"]), req.now_s, self.window_s)

    def handshake(self, req: Request) -> bytes:
        """GET: the URL verification — answer the decrypted ``echostr``."""
        echostr = req.query.get("echostr", "")
        self._signed(req, echostr)
        return self.crypto.decrypt(echostr)

    def callback(self, req: Request) -> Callback | None:
        """POST: verify and decrypt; a ``kf_msg_or_event`` asks for a pull."""
        try:
            outer = SafeXml.fromstring(req.body)
        except Exception:  # defusedxml raises several kinds for hostile or broken XML
            raise Unauthorized("not the callback's XML") from None
        encrypted = outer.findtext("Encrypt") or ""
        self._signed(req, encrypted)
        try:
            inner = SafeXml.fromstring(self.crypto.decrypt(encrypted))
        except Unauthorized:
            raise
        except Exception:
            raise Unmappable("bad_xml", "the decrypted message is not XML") from None
        if inner.findtext("Event") != "kf_msg_or_event":
            return None
        open_kfid, token = inner.findtext("OpenKfId") or "", inner.findtext("Token") or ""
        if not open_kfid or not token:
            raise Unmappable("missing_id", "kf_msg_or_event without OpenKfId or Token")
        return Callback(open_kfid, token)

    def _access_token(self, client: httpx.Client, refresh: bool = False) -> str:
        token, until = self._token
        if token and not refresh and time.time() < until:
            return token
        answer = self._get_json(client, "/cgi-bin/gettoken",
                                {"corpid": self.crypto.corp_id, "corpsecret": self.corp_secret})
        if answer.get("errcode", 0) != 0 or not answer.get("access_token"):
            raise Backpressure("wecom gettoken", 30.0)
        self._token = (str(answer["access_token"]), time.time() + int(answer.get("expires_in", 7200)) - 60)
        return self._token[0]

    def _get_json(self, client: httpx.Client, path: str, params: dict[str, str],
                  body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = (client.post(self.base_url + path, params=params, json=body) if body is not None
                        else client.get(self.base_url + path, params=params))
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError):
            raise Backpressure("wecom api", 10.0) from None
        if not isinstance(data, dict):
            raise Backpressure("wecom api", 10.0)
        return data

    def pull(self, call: Callback, write: Callable[[list[dict[str, Any]]], None]) -> int:
        """Every message since the stored cursor, written page by page; how many."""
        written = 0
        with self.cursors.lock, httpx.Client(timeout=self.timeout_s) as client, _file_lock(self.cursors.path):
            cursor = self.cursors.get(call.open_kfid)
            while True:
                body = {"cursor": cursor, "token": call.sync_token, "limit": 1000,
                        "open_kfid": call.open_kfid}
                page = self._get_json(client, "/cgi-bin/kf/sync_msg",
                                      {"access_token": self._access_token(client)}, body)
                if page.get("errcode") in (40014, 42001):  # the access token expired: once more
                    page = self._get_json(client, "/cgi-bin/kf/sync_msg",
                                          {"access_token": self._access_token(client, refresh=True)}, body)
                if page.get("errcode", 0) != 0:
                    raise Backpressure("wecom sync_msg", 10.0)
                events = [e for m in page.get("msg_list") or [] if (e := self.message(m)) is not None]
                if events:
                    write(events)
                    written += len(events)
                cursor = str(page.get("next_cursor") or cursor)
                self.cursors.put(call.open_kfid, cursor)  # only after the page is durable
                if not page.get("has_more"):
                    return written

    def message(self, m: Any) -> dict[str, Any] | None:
        if not isinstance(m, dict) or m.get("msgtype") == "event":
            return None  # session events (enter_session, …) are no chat lines
        role = ORIGINS.get(m.get("origin"))  # type: ignore[arg-type]
        if role is None:
            return None
        kind = str(m.get("msgtype", ""))
        text = str((m.get("text") or {}).get("content", "")) if kind == "text" else PLACEHOLDERS.get(kind, "")
        open_kfid = m.get("open_kfid", "")
        return event(self.name, f"{open_kfid}:{m.get('external_userid', '')}", m.get("msgid"),
                     float(m.get("send_time") or 0), role, text, agent=m.get("servicer_userid"),
                     queue=f"wecom:{open_kfid}" if open_kfid else None)


class _file_lock:
    """An exclusive lock beside the cursor file: two processes on one host pull in turn."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")

    def __enter__(self) -> None:
        self.fh = self.path.open("a")
        fcntl.flock(self.fh, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()
