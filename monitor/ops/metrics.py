"""All Prometheus metrics (CONTRACT §4 and more), in one place, on an injectable registry.

Labels are bounded: channel (five known values or "other"), role, kind, severity,
reason and signal codes from fixed vocabularies, complaint and customer types. No
label ever carries an id, a name or any text (PLAYBOOK §5).
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from monitor import __version__
from monitor.records.results import BatchResult

SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.0)
REPLY_BUCKETS = (5, 10, 20, 30, 60, 120, 180, 300, 600, 1200, 3600)
PROCESSING_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Metrics:
    """The monitor's metrics. Pass a fresh ``CollectorRegistry`` in tests."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        # CONTRACT §4 (names fixed)
        self.messages = Counter("support_messages", "Messages processed", ["role", "channel"],
                                registry=r)
        self.flags = Counter("support_flags", "Flags raised", ["kind", "severity"], registry=r)
        self.anger = Histogram("support_message_anger", "Anger score of customer messages",
                               ["channel"], buckets=SCORE_BUCKETS, registry=r)
        self.urgency = Histogram("support_message_urgency", "Urgency score of customer messages",
                                 ["channel"], buckets=SCORE_BUCKETS, registry=r)
        self.open_escalations = Gauge("support_open_escalations",
                                      "escalate_supervisor flags open or acknowledged, not resolved",
                                      registry=r)
        self.first_reply = Histogram("support_agent_first_reply_seconds",
                                     "Customer's wait for the agent's first reply (event time)",
                                     ["channel"], buckets=REPLY_BUCKETS, registry=r)
        self.invalid = Counter("support_invalid_events", "Events sent to the dead-letter output",
                               ["reason"], registry=r)
        self.processing = Histogram("monitor_processing_seconds",
                                    "From reading an event to its flags being written",
                                    buckets=PROCESSING_BUCKETS, registry=r)
        self.event_lag = Gauge("monitor_event_lag_seconds",
                               "Wall clock minus event time of the last processed event",
                               registry=r)
        # More for operators
        self.flag_reasons = Counter("support_flag_reasons", "Reasons given on raised flags",
                                    ["kind", "reason"], registry=r)
        self.reply = Histogram("support_agent_reply_seconds",
                               "Customer's wait for each agent reply after the first (event time)",
                               ["channel"], buckets=REPLY_BUCKETS, registry=r)
        self.complaints = Counter("support_complaints",
                                  "Customer messages by complaint type (seed 002 §4.1)",
                                  ["complaint_type"], registry=r)
        self.customer_types = Counter("support_flag_customer_types",
                                      "Customer types (seed 003) on raised flags",
                                      ["customer_type"], registry=r)
        self.transitions = Counter("support_flag_transitions", "Flag lifecycle moves",
                                   ["status", "reason"], registry=r)
        self.duplicates = Counter("support_duplicate_events",
                                  "Redelivered events skipped (same conversation and message id)",
                                  registry=r)
        self.truncated = Counter("support_truncated_messages",
                                 "Messages whose text was cut at the text limit (--max-text)",
                                 registry=r)
        self.blank_lines = Counter("support_blank_lines", "Blank input lines skipped",
                                   registry=r)
        self.open_conversations = Gauge("support_open_conversations",
                                        "Conversations held in memory", registry=r)
        self.batches = Counter("monitor_batches", "Batches written and committed", registry=r)
        self.consumer_lag = Gauge("monitor_consumer_lag_messages",
                                  "Records between the consumer's position and the partition's end",
                                  ["topic", "partition"], registry=r)
        self.alerts_sent = Counter("support_alerts_sent", "Alerts delivered to Alertmanager",
                                   registry=r)
        self.alerts_failed = Counter("support_alerts_failed",
                                     "Alert deliveries that failed (kept and retried)", registry=r)
        self.alerts_dropped = Counter("support_alerts_dropped",
                                      "Alerts dropped because the retry buffer was full",
                                      registry=r)
        self.info = Info("monitor_build", "Version, scorer and playbook in use", registry=r)
        self._open_escalations: set[str] = set()

    def describe(self, scorer: str, playbook_source: str, playbook_sha256: str,
                 risk: str = "rules-v1") -> None:
        self.info.info({"version": __version__, "scorer": scorer, "risk": risk,
                        "playbook": "built-in" if playbook_source == "built-in" else "file",
                        "playbook_sha256": playbook_sha256[:12]})

    def set_consumer_lag(self, lag: dict[tuple[str, int], int]) -> None:
        self.consumer_lag.clear()  # revoked partitions disappear
        for (topic, partition), n in lag.items():
            self.consumer_lag.labels(topic, str(partition)).set(n)

    def observe(self, batch: BatchResult, written_s: float, open_conversations: int) -> None:
        """Count one written batch; ``written_s``: from reading it to its outputs flushed."""
        for p in batch.processed:
            e = p.event
            channel = e.channel_label
            self.messages.labels(e.role, channel).inc()
            if e.role == "customer":
                self.anger.labels(channel).observe(p.scores.anger)
                self.urgency.labels(channel).observe(p.scores.urgency)
                if p.scores.complaint_type:
                    self.complaints.labels(p.scores.complaint_type).inc()
            elif p.reply_wait_s is not None:
                hist = self.first_reply if p.first_reply else self.reply
                hist.labels(channel).observe(p.reply_wait_s)
        for f in batch.flags:
            self.flags.labels(f.kind, f.severity).inc()
            for reason in f.reasons:
                self.flag_reasons.labels(f.kind, reason.code).inc()
            for ctype in f.customer_types:
                self.customer_types.labels(ctype).inc()
            if f.kind == "escalate_supervisor":
                self._open_escalations.add(f.flag_id)
        for t in batch.transitions:
            self.transitions.labels(t.status, t.reason or "none").inc()
            if t.status == "resolved":
                self._open_escalations.discard(t.flag_id)
        self.open_escalations.set(len(self._open_escalations))
        for d in batch.dead_letters:
            self.invalid.labels(d.reason).inc()
        if batch.duplicates:
            self.duplicates.inc(batch.duplicates)
        if batch.blank_lines:
            self.blank_lines.inc(batch.blank_lines)
        truncated = sum(1 for p in batch.processed if p.event.truncated)
        if truncated:
            self.truncated.inc(truncated)
        self.open_conversations.set(open_conversations)
        self.batches.inc()
        if batch.processed:
            for _ in batch.processed:
                self.processing.observe(written_s)
            self.event_lag.set(time.time() - batch.processed[-1].event.ts_ms / 1000)
