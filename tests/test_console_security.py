"""The console refuses whoever it cannot verify (CONTRACT §5): no session or token → 401 or
the login page; a viewer's action → 403; a cross-site post without the page's CSRF token
→ 403; a customer's ``<script>`` renders as text; no personal data in any page or JSON
answer for a stream full of it. A real console process on a real store."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from console_helpers import ConsoleServer, login, make_users, page_csrf, token
from helpers import T0, run_file, shipped_models
from privacy_cases import CASES, ID_CASES

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>气死了！！！"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ConsoleServer, Path]]:
    tmp = tmp_path_factory.mktemp("console")
    events = tmp / "in.jsonl"
    lines = [{"conversation_id": "xss", "message_id": "m1", "ts": T0, "role": "customer", "text": XSS,
              "queue": "售后"}]
    for i, case in enumerate(CASES):
        lines.append({"conversation_id": f"p{i}", "message_id": "m1", "ts": T0 + i, "role": "customer",
                      "text": f"叫你们经理来，气死了！！！{case.text}", "queue": "物流" if i % 2 else "售后"})
    for i, (ident, _) in enumerate(ID_CASES):  # personal data in the ids, and a "/" in one
        lines.append({"conversation_id": ident, "message_id": f"{ident}/m{i}", "ts": T0 + i,
                      "role": "customer", "text": "叫你们经理来，气死了！！！", "queue": "售后"})
    events.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    store = str(tmp / "store.db")
    run_file(events, shipped_models(), flags_out=None, store_url=store)
    users = make_users(tmp)
    server = ConsoleServer(store, users, tmp)
    try:
        yield server, users
    finally:
        server.close()


def a_flag(server: ConsoleServer, users: Path, queue: str | None = None) -> dict:  # type: ignore[type-arg]
    headers = {"Authorization": f"Bearer {token(users, '王组长')}"}
    flags = httpx.get(server.url + "/api/flags?limit=1000", headers=headers, timeout=20).json()["flags"]
    return next(f for f in flags if queue is None or f.get("queue") == queue)


@pytest.mark.parametrize("path", ["/", "/oncall", "/review", "/flags/x"])
def test_pages_without_a_session_go_to_the_login_page(console, path: str) -> None:  # type: ignore[no-untyped-def]
    server, _ = console
    answer = httpx.get(server.url + path, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/flags"), ("GET", "/api/flags/x"), ("POST", "/api/flags/x/ack"),
    ("POST", "/api/flags/x/resolve"), ("POST", "/api/flags/x/verdict"),
    ("POST", "/api/messages/m1/missed"), ("GET", "/api/events"), ("GET", "/api/review"),
    ("GET", "/metrics")])
def test_the_api_without_a_session_or_token_is_401(console, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    server, _ = console
    for headers in ({}, {"Authorization": "Bearer smc_not-a-token"}, {"Authorization": "Basic eDp5"}):
        answer = httpx.request(method, server.url + path, headers=headers)
        assert answer.status_code == 401, (path, headers)


def test_a_wrong_password_is_refused_and_then_throttled(console) -> None:  # type: ignore[no-untyped-def]
    server, _ = console
    client = httpx.Client(base_url=server.url)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    form = {"username": "张主管", "password": "guess", "csrf_token": csrf}
    codes = [client.post("/login", data=form).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429


def test_a_viewers_action_is_403(console) -> None:  # type: ignore[no-untyped-def]
    server, users = console
    flag = a_flag(server, users)
    viewer = login(server.url, "只读")
    assert viewer.get(f"/flags/{flag['flag_id']}").status_code == 200  # reading is fine
    csrf = page_csrf(viewer, f"/flags/{flag['flag_id']}")
    answer = viewer.post(f"/api/flags/{flag['flag_id']}/ack", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 403
    with_token = httpx.post(f"{server.url}/api/flags/{flag['flag_id']}/ack",
                            headers={"Authorization": f"Bearer {token(users, '只读')}"})
    assert with_token.status_code == 403


def test_a_cross_site_post_without_the_csrf_token_is_403(console) -> None:  # type: ignore[no-untyped-def]
    server, users = console
    flag = a_flag(server, users)
    lead = login(server.url, "王组长")
    # What another site's page can make a logged-in browser send: the cookie, no token.
    for headers in ({}, {"Origin": "https://evil.example"}, {"X-CSRF-Token": "forged"}):
        assert lead.post(f"/api/flags/{flag['flag_id']}/ack", headers=headers).status_code == 403
        assert lead.post(f"/flags/{flag['flag_id']}/ack", headers=headers,
                         data={"csrf_token": headers.get("X-CSRF-Token", "")}).status_code == 403
    csrf = page_csrf(lead)
    assert lead.post(f"/api/flags/{flag['flag_id']}/ack", headers={
        "X-CSRF-Token": csrf, "Origin": "https://evil.example"}).status_code == 403
    assert lead.post(f"/api/flags/{flag['flag_id']}/ack", headers={"X-CSRF-Token": csrf}).status_code == 200


def test_a_bearer_token_needs_no_csrf_token(console) -> None:  # type: ignore[no-untyped-def]
    server, users = console
    flag = a_flag(server, users)
    answer = httpx.post(f"{server.url}/api/flags/{flag['flag_id']}/verdict",
                        headers={"Authorization": f"Bearer {token(users, '张主管')}"},
                        json={"verdict": "confirmed"})
    assert answer.status_code == 200 and answer.json()["flag"]["verdict"] == "confirmed"


def test_a_supervisor_sees_only_their_queues(console) -> None:  # type: ignore[no-untyped-def]
    server, users = console
    other = a_flag(server, users, "物流")
    own = a_flag(server, users, "售后")
    li = login(server.url, "李主管")  # supervisor of 售后 only
    assert li.get(f"/flags/{own['flag_id']}").status_code == 200
    assert li.get(f"/flags/{other['flag_id']}").status_code == 404
    listed = li.get("/api/flags?limit=1000").json()["flags"]
    assert listed and {f.get("queue") for f in listed} == {"售后"}
    to_review = li.get("/api/review?limit=1000").json()["flags"]
    assert to_review and {f.get("queue") for f in to_review} == {"售后"}
    assert other["excerpt"] not in li.get("/review").text or other["excerpt"] == own["excerpt"]


def test_a_supervisor_reports_missed_cases_only_in_their_queues(console) -> None:  # type: ignore[no-untyped-def]
    server, users = console
    other, own = a_flag(server, users, "物流"), a_flag(server, users, "售后")
    li = login(server.url, "李主管")  # supervisor of 售后 only
    csrf = page_csrf(li)

    def report(flag: dict) -> httpx.Response:  # type: ignore[type-arg]
        return li.post(f"/api/messages/{quote(flag['message_id'], safe='')}/missed",
                       headers={"X-CSRF-Token": csrf},
                       json={"conversation_id": flag["conversation_id"], "kind": "urgent"})

    refused = report(other)
    assert refused.status_code == 404 and "no message" in refused.json()["error"]
    assert report(own).status_code == 200
    form = li.post(f"/messages/{quote(other['message_id'])}/missed", data={
        "csrf_token": csrf, "conversation_id": other["conversation_id"], "kind": "urgent"})
    assert form.status_code == 303 and "%E6%9C%AA%E8%83%BD" in form.headers["location"]  # 未能完成
    lead = login(server.url, "王组长")
    shown = lead.get(f"/api/flags/{other['flag_id']}").json()
    assert not [m for m in shown.get("missed", []) if m.get("reported_by") == "李主管"]


def test_what_a_customer_wrote_is_text_not_markup(console) -> None:  # type: ignore[no-untyped-def]
    server, _ = console
    lead = login(server.url, "王组长")
    flags = lead.get("/api/flags?limit=1000").json()["flags"]
    xss = next(f for f in flags if f["conversation_id"] == "xss")
    for path in ("/?limit=1000", f"/flags/{xss['flag_id']}", "/review"):
        html = lead.get(path).text
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    answer = lead.get(f"/flags/{xss['flag_id']}")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"


def test_no_personal_data_in_any_page_or_answer(console) -> None:  # type: ignore[no-untyped-def]
    server, _ = console
    lead = login(server.url, "王组长")
    flags = lead.get("/api/flags?limit=1000&status=all").json()["flags"]
    seen = [lead.get("/").text, lead.get("/oncall").text, lead.get("/?status=all").text,
            lead.get("/review").text, lead.get("/api/review?limit=1000").text,
            json.dumps(flags, ensure_ascii=False)]
    for f in flags:
        if f["conversation_id"].startswith("p") or "~" in f["conversation_id"]:
            seen.append(lead.get(f"/flags/{f['flag_id']}").text)
            seen.append(lead.get(f"/api/flags/{f['flag_id']}").text)
    text = "\n".join(seen)
    leaks = [c.secret for c in CASES if c.secret and c.secret in text]
    leaks += [secret for _, secret in ID_CASES if secret in text]
    assert not leaks
    assert len({f["conversation_id"] for f in flags}) > 100  # the pages did show the cases


def test_a_missed_report_on_a_pseudonymised_message_id(console) -> None:  # type: ignore[no-untyped-def]
    server, _ = console
    lead = login(server.url, "王组长")
    flag = next(f for f in lead.get("/api/flags?limit=1000").json()["flags"]
                if f["conversation_id"].startswith("tel:[手机号]~"))
    page = lead.get(f"/flags/{flag['flag_id']}").text
    csrf = page_csrf(lead)
    action = f'/messages/{quote(flag["message_id"])}/missed'
    assert f'action="{action}"' in page  # the page's form, as the browser posts it
    answer = lead.post(action, data={"csrf_token": csrf, "conversation_id":
                                     flag["conversation_id"], "kind": "urgent",
                                     "return_to": f"/flags/{flag['flag_id']}"})
    assert answer.status_code == 303, answer.text
    again = lead.post(f"/api/messages/{quote(flag['message_id'], safe='')}/missed",
                      headers={"X-CSRF-Token": csrf},
                      json={"conversation_id": flag["conversation_id"], "kind": "urgent"})
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged", again.text


def test_single_sign_on_trusts_the_header_only_from_the_proxy(console, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Off by default (the fixture's console ignores the header); on, only from the
    proxy's own address, only for a known user, and a post still needs the CSRF token."""
    server, users = console
    sso = {"X-Remote-User": "王组长".encode()}  # raw UTF-8, as proxies send it
    assert httpx.get(server.url + "/", headers=sso).status_code == 303  # off: the login page
    store = re.sub(r"^.*--store ", "", " ".join(map(str, server.proc.args))).split(" ")[0]
    trusted = ConsoleServer(store, users, tmp_path, ("--trusted-proxy-header", "X-Remote-User",
                                                     "--trusted-proxy", "127.0.0.1"))
    elsewhere = ConsoleServer(store, users, tmp_path, ("--trusted-proxy-header", "X-Remote-User",
                                                       "--trusted-proxy", "10.9.9.9"))
    try:
        page = httpx.get(trusted.url + "/", headers=sso)
        assert page.status_code == 200 and "王组长" in page.text
        assert httpx.get(trusted.url + "/", headers={"X-Remote-User": quote("王组长")}).status_code == 200
        for nobody in ("无此人".encode(), b"%E7%8E", "\u738b".encode("unicode_escape")):
            assert httpx.get(trusted.url + "/", headers={"X-Remote-User": nobody}).status_code == 303
        assert httpx.get(trusted.url + "/api/flags").status_code == 401
        flag = httpx.get(trusted.url + "/api/flags?limit=1", headers=sso).json()["flags"][0]
        post = httpx.post(f"{trusted.url}/api/flags/{flag['flag_id']}/verdict", headers=sso,
                          json={"verdict": "confirmed"})
        assert post.status_code == 403  # no CSRF token: a cross-site form cannot use the header
        assert httpx.get(elsewhere.url + "/", headers=sso).status_code == 303  # not from the proxy
    finally:
        trusted.close()
        elsewhere.close()
    half = subprocess.run([sys.executable, "-m", "monitor.cli", "console", "--store", store, "--users",
                           str(users), "--trusted-proxy-header", "X-Remote-User"],
                          capture_output=True, text=True, timeout=60)
    assert half.returncode == 2 and "--trusted-proxy ADDRESS" in half.stderr


def test_health_needs_no_login_and_tells_nothing(console) -> None:  # type: ignore[no-untyped-def]
    server, _ = console
    answer = httpx.get(server.url + "/healthz")
    assert answer.status_code == 200 and answer.text == "ok\n"


def test_the_users_file_holds_no_password(console) -> None:  # type: ignore[no-untyped-def]
    _, users = console
    text = users.read_text(encoding="utf-8")
    assert "correct-horse-battery" not in text and "$argon2id$" in text
    assert oct(users.stat().st_mode & 0o777) == "0o600"
