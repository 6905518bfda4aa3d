"""Escalation alerts to Alertmanager (v2 API), for on-call leads.

``escalate_supervisor`` flags, and ``urgent`` flags at critical severity, become one
alert each; the alert is resolved (``endsAt``) when its flag resolves. Delivery runs on a
worker thread so a slow or absent Alertmanager never holds up the stream: alerts wait in
a bounded buffer and are retried with backoff; firing alerts are re-sent every
``resend_s`` as Alertmanager expects of its clients. Nothing here may raise into the
pipeline: failures are counted (``support_alerts_sent_total`` / ``…_failed_total``).

Labels are for routing and bounded: kind, severity, channel, queue (masked, shortened)
and the flag id (a UUID). Annotations carry the masked excerpt, the reasons, the
suggestion, the playbook reference and a link built from the flag id. No conversation,
customer or agent id, and no unmasked text, ever goes out (PLAYBOOK §5).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from monitor.ops.metrics import Metrics
from monitor.privacy import mask
from monitor.records.events import CHANNELS
from monitor.records.flags import Flag
from monitor.records.results import BatchResult

ALERTNAME = "SupportEscalation"
KIND_TITLES = {"escalate_supervisor": "需要主管介入", "urgent": "紧急需求"}


@dataclass(frozen=True, slots=True)
class AlertSettings:
    url: str  # Alertmanager base URL, e.g. http://alertmanager:9093
    link_template: str = ""  # e.g. https://console.example/flags/{flag_id}
    resend_s: float = 60.0
    max_buffer: int = 10_000
    timeout_s: float = 5.0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def alert_for(flag: Flag, link_template: str) -> dict[str, Any]:
    """The Alertmanager alert of one flag: routing labels and masked annotations."""
    labels = {
        "alertname": ALERTNAME, "kind": flag.kind, "severity": flag.severity,
        "channel": flag.channel if flag.channel in CHANNELS else "other",
        "queue": mask(flag.queue or "none")[:64], "flag_id": flag.flag_id,
    }
    annotations = {
        "summary": f"{KIND_TITLES.get(flag.kind, flag.kind)}（{flag.severity}）："
                   + "；".join(r.detail for r in flag.reasons)[:300],
        "excerpt": flag.excerpt,
        "reasons": ", ".join(r.code for r in flag.reasons),
        "suggestion": flag.suggestion,
        "playbook_ref": flag.playbook_ref,
        "anger": f"{flag.scores.get('anger', 0):.2f}",
        "conversation_risk": f"{flag.scores.get('conversation_risk', 0):.2f}",
    }
    if flag.customer_types:
        annotations["customer_types"] = ", ".join(flag.customer_types)
    alert: dict[str, Any] = {"labels": labels, "annotations": annotations, "startsAt": _now()}
    if link_template:
        alert["generatorURL"] = link_template.format(flag_id=flag.flag_id)
    return alert


class AlertSink:
    """A sink (``write``/``flush``/``close``) that hands alerts to a delivery thread."""

    def __init__(self, settings: AlertSettings, metrics: Metrics | None = None,
                 opener: Any = urllib.request.urlopen) -> None:
        self.settings = settings
        self._metrics = metrics
        self._open = opener
        self._firing: OrderedDict[str, dict[str, Any]] = OrderedDict()  # flag_id -> alert
        self._outbox: OrderedDict[str, dict[str, Any]] = OrderedDict()  # to send now
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._deliver, name="alerts", daemon=True)
        self._thread.start()

    # --- sink interface (pipeline thread) ---------------------------------------------
    def write(self, batch: BatchResult) -> None:
        with self._lock:
            for flag in batch.flags:
                if flag.kind == "escalate_supervisor" or (
                        flag.kind == "urgent" and flag.severity == "critical"):
                    alert = alert_for(flag, self.settings.link_template)
                    self._firing[flag.flag_id] = alert
                    self._queue(flag.flag_id, alert)
            for t in batch.transitions:
                if t.status == "resolved" and t.flag_id in self._firing:
                    alert = dict(self._firing.pop(t.flag_id), endsAt=_now())
                    self._queue(t.flag_id, alert)
        self._wake.set()

    def flush(self) -> None:
        """Nothing to wait for: delivery is best effort and must not hold up commits."""

    def close(self) -> None:
        """Try to deliver what is waiting (bounded), then stop the thread."""
        deadline = time.monotonic() + self.settings.timeout_s
        while self.pending() and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.05)
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=self.settings.timeout_s + 1)

    def pending(self) -> int:
        with self._lock:
            return len(self._outbox)

    # --- delivery (worker thread) -----------------------------------------------------
    def _queue(self, key: str, alert: dict[str, Any]) -> None:
        self._outbox[key] = alert  # a newer state of the same alert replaces the older
        self._outbox.move_to_end(key)
        while len(self._outbox) > self.settings.max_buffer:
            self._outbox.popitem(last=False)  # bounded: the oldest goes first
            self.dropped += 1
            if self._metrics:
                self._metrics.alerts_dropped.inc()

    def _deliver(self) -> None:
        backoff, last_resend = 0.5, time.monotonic()
        while not self._stop:
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            now = time.monotonic()
            with self._lock:
                if now - last_resend >= self.settings.resend_s:
                    for key, alert in self._firing.items():  # keep firing alerts alive
                        self._outbox.setdefault(key, alert)
                    last_resend = now
                batch = list(self._outbox.items())
            if not batch:
                continue
            if self._post([a for _, a in batch]):
                with self._lock:
                    for key, alert in batch:
                        if self._outbox.get(key) is alert:
                            del self._outbox[key]
                self._count(sent=len(batch))
                backoff = 0.5
            else:
                self._count(failed=len(batch))
                time.sleep(backoff)  # Alertmanager down: wait, keep everything, retry
                backoff = min(backoff * 2, 30.0)
                self._wake.set()

    def _post(self, alerts: list[dict[str, Any]]) -> bool:
        body = json.dumps(alerts, ensure_ascii=False).encode()
        request = urllib.request.Request(self.settings.url.rstrip("/") + "/api/v2/alerts",
                                         data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with self._open(request, timeout=self.settings.timeout_s) as resp:
                return 200 <= int(resp.status) < 300
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _count(self, sent: int = 0, failed: int = 0) -> None:
        self.sent += sent
        self.failed += failed
        if self._metrics:
            if sent:
                self._metrics.alerts_sent.inc(sent)
            if failed:
                self._metrics.alerts_failed.inc(failed)
