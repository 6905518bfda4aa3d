"""企业微信客服 through support-monitor ingest: the URL-verification handshake, an encrypted
callback, and the pull of kf/sync_msg against a local stand-in of the API (the real one
is a cloud service) that pages with has_more; a kill -9 in the middle of the pull and a
restart skip and repeat nothing."""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from conftest import free_port
from ingest_payloads import SECRETS, WECOM_AES_KEY, WECOM_ARGS
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from test_ingest import IngestServer, lines

from monitor.ingest.wecom_crypto import WecomCrypto

CRYPTO = WecomCrypto(SECRETS["wecom_token"], WECOM_AES_KEY, SECRETS["wecom_corp_id"])
MESSAGES = [
    {
        "msgid": f"msg{i}",
        "open_kfid": "wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw",
        "external_userid": "wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw",
        "send_time": int(time.time()) - 100 + i,
        "origin": [3, 5, 3, 4, 3][i],
        "servicer_userid": "zhangsan" if i == 1 else None,
        "msgtype": ["text", "text", "image", "text", "text"][i],
        "text": {
            "content": ["在吗？我的订单怎么还没发货", "您好，我帮您查一下", "", "系统消息", "气死了！！！"][i]
        },
        **({"image": {"media_id": "2iSLeVyqzk4eX0IB5kTi9Ljfa2rt9dwfq5WKRQ4Nvvgw"}} if i == 2 else {}),
    }
    for i in range(5)
] + [
    {
        "msgid": "ev1",
        "open_kfid": "wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw",
        "origin": 4,
        "send_time": int(time.time()),
        "msgtype": "event",
        "event": {"event_type": "enter_session"},
    }
]
PAGE = 2


class SyncApi:
    """A stand-in of gettoken and kf/sync_msg: the cursor is the index of the next message."""

    def __init__(self) -> None:
        self.block_at: str | None = None
        self.blocked = threading.Event()
        self.release = threading.Event()
        self.requests: list[dict[str, Any]] = []

    async def gettoken(self, request: Request) -> JSONResponse:
        ok = request.query_params.get("corpsecret") == SECRETS["wecom_corp_secret"]
        return JSONResponse(
            {"errcode": 0, "access_token": "ACCESS", "expires_in": 7200}
            if ok
            else {"errcode": 40001, "errmsg": "invalid credential"}
        )

    async def sync(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append(body)
        if request.query_params.get("access_token") != "ACCESS" or body.get("token") != "SYNC-TOKEN":
            return JSONResponse({"errcode": 95007, "errmsg": "invalid msg token"})
        cursor = body.get("cursor") or "0"
        if cursor == self.block_at:
            self.blocked.set()
            while not self.release.is_set():
                time.sleep(0.05)
        start = int(cursor)
        page = MESSAGES[start : start + PAGE]
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "next_cursor": str(start + len(page)),
                "has_more": int(start + len(page) < len(MESSAGES)),
                "msg_list": page,
            }
        )


@pytest.fixture
def api() -> Iterator[tuple[SyncApi, str]]:
    stand_in = SyncApi()
    app = Starlette(
        routes=[
            Route("/cgi-bin/gettoken", stand_in.gettoken),
            Route("/cgi-bin/kf/sync_msg", stand_in.sync, methods=["POST"]),
        ]
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield stand_in, f"http://127.0.0.1:{port}"
    finally:
        stand_in.release.set()
        server.should_exit = True
        thread.join(timeout=10)


def signed_query(encrypted: str, ts: int | None = None) -> dict[str, str]:
    stamp, nonce = str(int(time.time()) if ts is None else ts), "1372623149"
    return {"msg_signature": CRYPTO.signature(stamp, nonce, encrypted), "timestamp": stamp, "nonce": nonce}


def callback_body(open_kfid: str = "wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw") -> tuple[bytes, dict[str, str]]:
    inner = (
        f"<xml><ToUserName><![CDATA[{SECRETS['wecom_corp_id']}]]></ToUserName><CreateTime>{int(time.time())}"
        "</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
        f"<Token><![CDATA[SYNC-TOKEN]]></Token><OpenKfId><![CDATA[{open_kfid}]]></OpenKfId></xml>"
    )
    encrypted = CRYPTO.encrypt(inner.encode())
    body = (
        f"<xml><ToUserName><![CDATA[{SECRETS['wecom_corp_id']}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
    )
    return body.encode(), signed_query(encrypted)


def server_for(tmp: Path, base: str) -> IngestServer:
    return IngestServer(
        tmp,
        "--to-file",
        str(tmp / "events.jsonl"),
        extra=[*WECOM_ARGS, "--wecom-api-url", base, "--wecom-cursor-file", str(tmp / "cursor.json")],
    )


def test_the_url_verification_handshake(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, base = api
    server = server_for(tmp_path, base)
    try:
        echo = CRYPTO.encrypt(b"6412937529412598431")
        answer = httpx.get(server.url + "/ingest/wecom", params={**signed_query(echo), "echostr": echo})
        assert answer.status_code == 200 and answer.text == "6412937529412598431"
        forged = {**signed_query(echo), "echostr": echo, "msg_signature": "0" * 40}
        assert httpx.get(server.url + "/ingest/wecom", params=forged).status_code == 401
        stale = {**signed_query(echo, int(time.time()) - 900), "echostr": echo}
        assert httpx.get(server.url + "/ingest/wecom", params=stale).status_code == 401
        other = WecomCrypto(SECRETS["wecom_token"], WECOM_AES_KEY, "ww-another-corp")
        theirs = other.encrypt(b"123")
        assert (
            httpx.get(
                server.url + "/ingest/wecom", params={**signed_query(theirs), "echostr": theirs}
            ).status_code
            == 401
        )
    finally:
        server.close()


def test_a_callback_pulls_every_page_into_contract_events(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stand_in, base = api
    server = server_for(tmp_path, base)
    try:
        body, query = callback_body()
        forged = {**query, "msg_signature": hashlib.sha1(b"x").hexdigest()}
        assert httpx.post(server.url + "/ingest/wecom", params=forged, content=body).status_code == 401
        assert stand_in.requests == []  # nothing pulled for a forged callback
        answer = httpx.post(server.url + "/ingest/wecom", params=query, content=body, timeout=30)
        assert answer.status_code == 200 and answer.text == "success"
        got = lines(tmp_path / "events.jsonl")
        assert [e["message_id"] for e in got] == [f"wecom:msg{i}" for i in range(5)]  # no session event
        assert [e["role"] for e in got] == ["customer", "agent", "customer", "system", "customer"]
        assert got[0] == {
            "conversation_id": "wecom:wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw:wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw",
            "message_id": "wecom:msg0",
            "ts": MESSAGES[0]["send_time"] * 1000,
            "role": "customer",
            "text": "在吗？我的订单怎么还没发货",
            "channel": "chat",
            "queue": "wecom:wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw",
        }
        assert got[1]["agent_id"] == "wecom:zhangsan" and got[2]["text"] == "[图片]"
        assert json.loads((tmp_path / "cursor.json").read_text())["wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw"] == "6"
        # Nothing new: the next callback pulls from the stored cursor and writes nothing.
        body, query = callback_body()
        assert (
            httpx.post(server.url + "/ingest/wecom", params=query, content=body, timeout=30).status_code
            == 200
        )
        assert len(lines(tmp_path / "events.jsonl")) == 5
    finally:
        server.close()


def test_a_restart_in_the_middle_of_a_pull_skips_and_repeats_nothing(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stand_in, base = api
    stand_in.block_at = "2"  # the second page hangs until the service has been killed
    server = server_for(tmp_path, base)
    body, query = callback_body()
    pending = threading.Thread(target=lambda: _post_quietly(server.url, query, body), daemon=True)
    pending.start()
    assert stand_in.blocked.wait(20)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=20)
    server.log.close()
    stand_in.release.set()
    assert [e["message_id"] for e in lines(tmp_path / "events.jsonl")] == ["wecom:msg0", "wecom:msg1"]
    stand_in.block_at = None
    restarted = server_for(tmp_path, base)
    try:
        body, query = callback_body()
        assert (
            httpx.post(restarted.url + "/ingest/wecom", params=query, content=body, timeout=30).status_code
            == 200
        )
        ids = [e["message_id"] for e in lines(tmp_path / "events.jsonl")]
        assert ids == [f"wecom:msg{i}" for i in range(5)]
        assert [r["cursor"] for r in stand_in.requests] == ["", "2", "2", "4"]
    finally:
        restarted.close()


def _post_quietly(url: str, query: dict[str, str], body: bytes) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the service was killed mid-request
        httpx.post(url + "/ingest/wecom", params=query, content=body, timeout=30)
