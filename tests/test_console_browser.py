"""The console in a real browser (headless Debian Chromium, driven by Playwright): log in,
see the queue, a flag of a monitor run appears live without a reload, open it, take it,
mark another as a false alarm with a reason, report a missed case, and find the store
and the command line agreeing with what the page showed. Screenshots of the queue and of
a flag page are kept (``$SCREENSHOTS`` or the test's folder)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from console_helpers import PASSWORD, ConsoleServer, cli_json, make_users
from helpers import T0, run_file, shipped_models

from monitor.io.store import Store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
XSS = "<script>alert('xss')</script>你们太过分了！！！"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def events(path: Path, cid: str, text: str, at: int) -> Path:
    path.write_text(json.dumps({"conversation_id": cid, "message_id": "m1", "ts": at, "role": "customer",
                                "text": text, "queue": "售后"}, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_the_floor_uses_the_console(browser, tmp_path: Path, sample_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = str(tmp_path / "store.db")
    run_file(sample_path, shipped_models(), flags_out=None, store_url=store)
    server = ConsoleServer(store, make_users(tmp_path), tmp_path)
    shots = Path(os.environ.get("SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(server.url + "/")
        assert "/login" in page.url
        page.fill("input[name=username]", "王组长")
        page.fill("input[name=password]", PASSWORD)
        page.click("section.login button[type=submit]")
        page.wait_for_selector("tbody#queue tr[data-flag]")
        before = page.locator("tbody#queue tr[data-flag]").count()
        assert before > 10
        page.wait_for_function("document.getElementById('live').classList.contains('connected')")

        # A monitor run stores a new flag: the open page shows it, no reload.
        started = time.monotonic()
        new = events(tmp_path / "new.jsonl", "live-1", "叫你们经理来，我要去12315投诉！！！", T0 + 7200_000)
        run_file(new, shipped_models(), flags_out=None, store_url=store)
        new_row = page.locator("tbody#queue tr.new")
        new_row.first.wait_for(timeout=10_000)
        delay = time.monotonic() - started
        assert "12315" in new_row.first.inner_text() and delay < 5
        assert page.locator("tbody#queue tr[data-flag]").count() > before
        page.screenshot(path=str(shots / "queue.png"), full_page=True)

        # Open it and take it.
        new_row.first.locator("td.excerpt a").click()
        page.wait_for_selector("ol.transcript")
        taken_id = page.url.rsplit("/", 1)[1].split("?")[0]
        page.click("#take")
        page.wait_for_selector("p.notice")
        assert "已接手" in page.inner_text("p.notice") and "王组长 已接手" in page.inner_text("dl.lifecycle")
        # When it was said and done, on the floor's clock (Asia/Shanghai, UTC+8).
        said = datetime.fromtimestamp((T0 + 7200_000) / 1000, UTC) + timedelta(hours=8)
        assert said.strftime("%m-%d %H:%M:%S") in page.inner_text("li.trigger time")
        assert re.fullmatch(r"\d\d-\d\d \d\d:\d\d:\d\d 王组长 · 接手 · 已接手 web",
                            page.inner_text("ul.audit li").strip())
        page.screenshot(path=str(shots / "flag.png"), full_page=True)

        # Another flag: a false alarm, with its reason.
        page.goto(server.url + "/?kind=agent_coaching")
        page.locator("tbody#queue tr[data-flag] td.excerpt a").first.click()
        page.wait_for_selector("#false-alarm")
        false_id = page.url.rsplit("/", 1)[1]
        page.select_option("#false-alarm-reason", "no_reply_needed")
        page.click("#false-alarm")
        page.wait_for_selector("p.notice")
        assert "误报" in page.inner_text("dl.lifecycle")

        # A missed case on a customer message of that conversation.
        form = page.locator("li.role-customer form.missed").first
        form.locator("select").select_option("urgent")
        form.locator("button").click()
        page.wait_for_selector("p.notice")
        assert "已报告漏报" in page.inner_text("p.notice")

        # A customer's script is text on the page, and never runs.
        run_file(events(tmp_path / "xss.jsonl", "xss-1", XSS, T0 + 7300_000), shipped_models(),
                 flags_out=None, store_url=store)
        page.goto(server.url + "/?status=all&limit=1000")
        row = page.locator("tbody#queue tr", has_text="alert('xss')")
        assert row.count() >= 1
        row.first.locator("td.excerpt a").click()
        page.wait_for_selector("li.trigger")
        assert "<script>alert('xss')</script>" in page.inner_text("li.trigger")
        assert dialogs == []
    finally:
        page.close()
        server.close()

    # The store and the command line agree with what the page showed.
    [taken] = cli_json("flags", "show", taken_id, "--store", store)
    assert taken["status"] == "acknowledged" and taken["acknowledged_by"] == "王组长"
    assert any(a["action"] == "ack" and a["client"].startswith("web") for a in taken["actions"])
    [judged] = cli_json("flags", "show", false_id, "--store", store)
    assert (judged["verdict"], judged["verdict_reason"], judged["verdict_by"]) == (
        "false_alarm", "no_reply_needed", "王组长")
    s = Store(store)
    try:
        with s.engine.connect() as conn:
            from sqlalchemy import select

            from monitor.io.store.schema import missed_reports

            [missed] = [dict(r) for r in conn.execute(select(missed_reports)).mappings()]
    finally:
        s.close()
    assert missed["kind"] == "urgent" and missed["reported_by"] == "王组长"
