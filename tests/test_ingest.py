"""support-monitor ingest as a real process (uvicorn) on a real broker (tansu) and on a
file: each platform's signed payload becomes exactly its contract event; redeliveries are
the same event; forged, stale, oversized and unmappable requests write nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import free_port, wait_http
from ingest_payloads import PLATFORMS, SECRET_ARGS, SECRETS, Signed, chatwoot, ingest_env, intercom, zendesk
from kafka_helpers import Broker

CMD = [sys.executable, "-m", "monitor.cli"]


class IngestServer:
    def __init__(
        self, tmp: Path, *sink: str, extra: list[str] | None = None, env: dict[str, str] | None = None
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / f"ingest-{self.port}.log"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                *CMD,
                "ingest",
                "--port",
                str(self.port),
                *sink,
                *SECRET_ARGS,
                "--dead-letter-out",
                str(tmp / "dead.jsonl"),
                *(extra or []),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **ingest_env(), **(env or {})},
        )
        wait_http(self.url + "/healthz")

    def send(self, s: Signed, **kw: Any) -> httpx.Response:
        return httpx.post(
            self.url + s.path, content=s.body, headers=s.headers, timeout=kw.pop("timeout", 30), **kw
        )

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[IngestServer, Path]]:
    out = tmp_path / "events.jsonl"
    server = IngestServer(tmp_path, "--to-file", str(out))
    try:
        yield server, out
    finally:
        server.close()


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_a_signed_payload_becomes_its_contract_event_once(file_server, platform: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, out = file_server
    signed = PLATFORMS[platform]()
    first = server.send(signed)
    assert first.status_code == 200 and first.json() == {"written": 1}, first.text
    assert lines(out) == [signed.expected]
    again = server.send(signed)  # the platform redelivers
    assert again.status_code == 200
    written = lines(out)
    assert len(written) == 2 and written[0]["message_id"] == written[1]["message_id"]
    # The monitor reading the file processes the message once: the same flags as from one copy.
    once = tmp_path / "once.jsonl"
    once.write_text(out.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    raised = []
    for source in (out, once):
        flags = tmp_path / f"flags-{source.stem}.jsonl"
        run = subprocess.run(
            [*CMD, "run", "--input", str(source), "--flags-out", str(flags), "--store", "none"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        raised.append([(f["flag_id"], f["kind"]) for f in lines(flags)])
    assert raised[0] and raised[0] == raised[1]


def forged(platform: str) -> list[Signed]:
    """A wrong signature or token, and a timestamp ten minutes old (where signed)."""
    stale = int(time.time()) - 600
    out = {
        "chatwoot": [chatwoot(secret="wrong"), chatwoot(ts=stale)],
        "zendesk": [zendesk(secret="wrong"), zendesk(ts=stale)],
        "intercom": [intercom(secret="wrong"), intercom(ts=stale)],
    }.get(platform)
    if out is not None:
        return out
    if platform == "freshchat":
        from cryptography.hazmat.primitives.asymmetric import rsa
        from ingest_payloads import freshchat

        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return [freshchat(key=other), freshchat(ts=stale)]
    from ingest_payloads import events

    return [events(token="wrong")]


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_forged_stale_and_oversized_requests_write_nothing(file_server, platform: str) -> None:  # type: ignore[no-untyped-def]
    server, out = file_server
    for bad in forged(platform):
        answer = server.send(bad)
        assert answer.status_code == 401, (platform, answer.text)
    good = PLATFORMS[platform]()
    unsigned = httpx.post(server.url + good.path, content=good.body, timeout=30)
    assert unsigned.status_code == 401
    huge = PLATFORMS[platform](text="气" * (1 << 20))
    assert server.send(huge).status_code == 413
    assert lines(out) == []


def test_authentic_but_unmappable_goes_to_the_dead_letters(file_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, out = file_server
    from ingest_payloads import events

    bad = events()
    body = json.loads(bad.body)
    body["role"] = "robot"
    body["text"] = "我的电话 13987654321"
    bad = Signed(bad.path, json.dumps(body, ensure_ascii=False).encode(), bad.headers, {})
    answer = server.send(bad)
    assert answer.status_code == 400 and answer.json()["reason"]
    assert lines(out) == []
    dead = lines(tmp_path / "dead.jsonl")
    assert len(dead) == 1 and dead[0]["source"] == "ingest:events" and dead[0]["reason"]
    assert "13987654321" not in json.dumps(dead, ensure_ascii=False)
    # Private notes and activity messages are no chat lines: accepted, nothing written.
    for skipped in (chatwoot(private=True), chatwoot(message_type="activity"), chatwoot(message_type=2)):
        assert server.send(skipped).json() == {"written": 0}
    assert lines(out) == []
    log = server.log_path.read_bytes().decode("utf-8", "replace")
    assert "13987654321" not in log and SECRETS["chatwoot"] not in log


def test_health_ready_and_metrics(file_server) -> None:  # type: ignore[no-untyped-def]
    server, _ = file_server
    assert httpx.get(server.url + "/readyz").status_code == 200
    server.send(chatwoot())
    server.send(chatwoot(secret="wrong"))
    text = httpx.get(server.url + "/metrics").text
    assert 'ingest_requests_total{code="200",platform="chatwoot"} 1.0' in text
    assert 'ingest_signature_failures_total{platform="chatwoot"} 1.0' in text
    assert 'ingest_events_written_total{platform="chatwoot"} 1.0' in text
    assert httpx.post(server.url + "/ingest/nope", content=b"{}").status_code == 404


def test_every_platform_onto_the_topic(tmp_path: Path) -> None:
    broker = Broker()
    server = None
    try:
        broker.create_topic("messages", 2)
        server = IngestServer(tmp_path, "--to-kafka", broker.bootstrap, "--topic", "messages")
        sent = [PLATFORMS[p]() for p in PLATFORMS]
        for s in sent:
            assert server.send(s).status_code == 200
        got = broker.read_all("messages")
        assert sorted(got, key=lambda e: e["message_id"]) == sorted(
            (s.expected for s in sent), key=lambda e: e["message_id"]
        )
    finally:
        if server is not None:
            server.close()
        broker.close()


def test_a_paused_broker_gets_503_and_nothing_answered_200_is_lost(tmp_path: Path) -> None:
    broker = Broker()
    server = None
    try:
        broker.create_topic("messages", 1)
        server = IngestServer(tmp_path, "--to-kafka", broker.bootstrap, "--topic", "messages")
        from ingest_payloads import events

        assert server.send(events("warm")).status_code == 200
        broker.pause()
        answers: dict[str, int] = {}
        try:
            for i in range(3):
                answer = server.send(events(f"p{i}"), timeout=60)
                answers[f"p{i}"] = answer.status_code
                if answer.status_code == 503:
                    assert int(answer.headers["retry-after"]) >= 1
        finally:
            broker.resume()
        assert set(answers.values()) <= {200, 503} and 503 in answers.values()
        for i in range(3, 5):  # after the broker is back
            answers[f"p{i}"] = server.send(events(f"p{i}")).status_code
        got = {e["message_id"] for e in broker.read_all("messages", settle_s=4)}
        assert {m for m, code in answers.items() if code == 200} <= got
        assert {"p3", "p4"} <= got
    finally:
        if server is not None:
            server.close()
        broker.close()


def test_the_command_line_refuses_secrets_as_values(tmp_path: Path) -> None:
    for args in (
        ["--to-file", str(tmp_path / "x"), "--chatwoot-secret", "plain-secret"],
        ["--to-file", str(tmp_path / "x")],
        ["--to-file", str(tmp_path / "x"), "--to-kafka", "127.0.0.1:1", "--events-token", "env:X"],
        ["--to-file", str(tmp_path / "x"), "--freshchat-public-key", "env:X"],
    ):
        proc = subprocess.run(
            [*CMD, "ingest", "--port", str(free_port()), *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "X": "not a pem"},
        )
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "plain-secret" not in proc.stderr


def test_metrics_can_require_a_token(tmp_path: Path) -> None:
    server = IngestServer(
        tmp_path,
        "--to-file",
        str(tmp_path / "e.jsonl"),
        extra=["--metrics-token", "env:MT"],
        env={"MT": "metrics-token-0123456789"},
    )
    try:
        assert httpx.get(server.url + "/metrics").status_code == 401
        answer = httpx.get(
            server.url + "/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"}
        )
        assert answer.status_code == 200 and "ingest_requests_total" in answer.text
    finally:
        server.close()


def test_the_monitor_follows_the_file_live(file_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A pilot without Kafka: ingest --to-file, and run --input FILE --follow reading it as it grows."""
    import signal

    server, out = file_server
    out.touch()
    flags = tmp_path / "live-flags.jsonl"
    monitor = subprocess.Popen(
        [*CMD, "run", "--input", str(out), "--follow", "--flags-out", str(flags), "--store", "none"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(1.0)
        assert server.send(chatwoot(901, "叫你们经理来！我要投诉，气死了！！！")).status_code == 200
        deadline = time.time() + 20
        while time.time() < deadline and not lines(flags):
            time.sleep(0.2)
        raised = lines(flags)
        assert raised and {f["message_id"] for f in raised} == {"chatwoot:901"}
        assert "escalate_supervisor" in {f["kind"] for f in raised}
    finally:
        monitor.send_signal(signal.SIGTERM)
        _, err = monitor.communicate(timeout=30)
    assert monitor.returncode == 0, err.decode()
