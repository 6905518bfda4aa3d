"""Metrics (CONTRACT §4) after a real replay, bounded labels, no personal data, endpoints."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from helpers import run_file
from prometheus_client import CollectorRegistry

from monitor.ops.endpoints import Endpoints, Health
from monitor.ops.metrics import Metrics
from monitor.records.events import CHANNELS
from monitor.records.flags import KINDS

CONTRACT_NAMES = ("support_messages_total", "support_flags_total", "support_message_anger",
                  "support_message_urgency", "support_open_escalations",
                  "support_agent_first_reply_seconds", "support_invalid_events_total",
                  "monitor_processing_seconds", "monitor_event_lag_seconds")


def replay(path: Path | str, tmp_path: Path) -> tuple[Metrics, list[dict[str, object]]]:
    metrics = Metrics(CollectorRegistry())
    run_file(path, flags_out=str(tmp_path / "flags.jsonl"), scores_out=str(tmp_path / "scores.jsonl"),
             dead_letter_out=str(tmp_path / "dead.jsonl"), store_url=None, batch_size=7,
             metrics=metrics)
    return metrics, read(tmp_path / "flags.jsonl")


def read(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def value(m: Metrics, name: str, **labels: str) -> float:
    v = m.registry.get_sample_value(name, labels)
    return 0.0 if v is None else v


def test_counts_match_the_other_outputs(sample_path: Path, tmp_path: Path) -> None:
    # Cross-checked against what the file sinks wrote in the same run.
    metrics, flags = replay(sample_path, tmp_path)
    scores, dead = read(tmp_path / "scores.jsonl"), read(tmp_path / "dead.jsonl")
    roles = Counter(str(s["role"]) for s in scores)
    assert roles["customer"] > 0 and roles["agent"] > 0
    for role, n in roles.items():
        counted = sum(value(metrics, "support_messages_total", role=role, channel=c)
                      for c in (*CHANNELS, "other"))
        assert counted == n
    by_kind = Counter((f["kind"], f["severity"]) for f in flags)
    for (kind, severity), n in by_kind.items():
        assert value(metrics, "support_flags_total", kind=str(kind), severity=str(severity)) == n
    for reason, n in Counter(str(d["reason"]) for d in dead).items():
        assert value(metrics, "support_invalid_events_total", reason=reason) == n
    assert len(dead) == 7
    anger_count = sum(value(metrics, "support_message_anger_count", channel=c)
                      for c in (*CHANNELS, "other"))
    assert anger_count == roles["customer"]
    assert value(metrics, "monitor_processing_seconds_count") == len(scores)
    assert value(metrics, "monitor_event_lag_seconds") > 0  # the sample is from 2026-11-16
    assert value(metrics, "support_duplicate_events_total") == 1
    first_replies = sum(value(metrics, "support_agent_first_reply_seconds_count", channel=c)
                        for c in (*CHANNELS, "other"))
    assert 0 < first_replies <= len({s["conversation_id"] for s in scores if s["role"] == "agent"})


def test_open_escalations_follow_the_flag_lifecycle(sample_path: Path, tmp_path: Path) -> None:
    metrics, flags = replay(sample_path, tmp_path)
    escalations = [f for f in flags if f["kind"] == "escalate_supervisor"]
    assert escalations
    resolved = value(metrics, "support_flag_transitions_total", status="resolved", reason="calmed") \
        + value(metrics, "support_flag_transitions_total", status="resolved", reason="superseded")
    gauge = value(metrics, "support_open_escalations")
    assert 0 < gauge <= len(escalations)
    assert gauge >= len(escalations) - resolved


def test_every_contract_metric_is_exposed(sample_path: Path, tmp_path: Path) -> None:
    metrics, _ = replay(sample_path, tmp_path)
    names = {m.name for m in metrics.registry.collect()}
    exposed = {s.name for m in metrics.registry.collect() for s in m.samples}
    for name in CONTRACT_NAMES:
        assert name in exposed or name in names or f"{name}_count" in exposed, name


PII = ["13812345678", "139-1234-5678", "zhang.san@example.com", "110101199003078515",
       "6222021234567890123", "北京市朝阳区建国路88号"]


def test_no_label_carries_ids_or_personal_data(tmp_path: Path) -> None:
    lines = []
    for i, pii in enumerate(PII):
        cid = f"conv-{pii}"
        lines.append({"conversation_id": cid, "message_id": f"m-{pii}", "ts": 1_794_790_800_000 + i,
                      "role": "customer", "text": f"气死了！！！我要投诉，电话{pii}，找你们经理",
                      "channel": f"chan-{pii}", "queue": f"q-{pii}", "agent_id": f"a-{pii}",
                      "customer_id": pii})
    path = tmp_path / "pii.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                    encoding="utf-8")
    metrics, flags = replay(path, tmp_path)
    assert flags  # the replay did raise flags, so their labels were exercised
    allowed_kinds = set(KINDS)
    for family in metrics.registry.collect():
        for sample in family.samples:
            for key, val in sample.labels.items():
                for pii in PII:
                    assert pii not in val and pii[:7] not in val, (sample.name, key, val)
                assert not re.search(r"\d{7,}", val), (sample.name, key, val)
                if key == "channel":
                    assert val in (*CHANNELS, "other")
                if key == "kind":
                    assert val in allowed_kinds


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_endpoints_serve_metrics_liveness_and_readiness() -> None:
    metrics = Metrics(CollectorRegistry())
    health = Health(stale_after_s=0.5)
    server = Endpoints(metrics.registry, health, 0, host="127.0.0.1").start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        status, body = get(base + "/metrics")
        assert status == 200 and "support_open_escalations 0.0" in body
        assert get(base + "/readyz")[0] == 503
        health.set_ready(True)
        assert get(base + "/readyz")[0] == 200
        health.beat()
        assert get(base + "/healthz")[0] == 200
        time.sleep(0.7)  # the loop stopped turning
        status, body = get(base + "/healthz")
        assert status == 503 and "last turned" in body
        assert get(base + "/nope")[0] == 404
    finally:
        server.close()


def test_metrics_listen_on_loopback_by_default_and_ask_for_the_token() -> None:
    import socket

    server = Endpoints(Metrics(CollectorRegistry()).registry, Health(), 0, token="s3cret").start()
    try:
        assert server._server.server_address[0] == "127.0.0.1"
        base = f"http://127.0.0.1:{server.port}"
        assert get(base + "/metrics")[0] == 401
        for wrong in ("Bearer nope", "s3cret", "Bearer s3cret2", "Basic czNjcmV0"):
            request = urllib.request.Request(base + "/metrics", headers={"Authorization": wrong})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=5)
            assert refused.value.code == 401
        request = urllib.request.Request(base + "/metrics", headers={"Authorization": "Bearer s3cret"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200 and b"support_open_escalations" in answer.read()
        assert get(base + "/healthz")[0] == 200  # probes carry no token
        # Not reachable on another address of this machine.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))  # no packet sent: picks the outward address
            outward = probe.getsockname()[0]
        if not outward.startswith("127."):
            with pytest.raises(OSError):
                socket.create_connection((outward, server.port), timeout=2).close()
    finally:
        server.close()


def test_metrics_port_in_use_is_a_clear_error(sample_path: Path) -> None:
    blocker = Endpoints(CollectorRegistry(), Health(), 0, host="0.0.0.0").start()
    try:
        with pytest.raises(Exception, match="cannot serve metrics on port"):
            run_file(sample_path, flags_out=None, store_url=None, metrics_port=blocker.port)
    finally:
        blocker.close()
