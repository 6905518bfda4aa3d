"""The ingest service's metrics, on an injectable registry; labels are bounded (the
platforms this service knows, answer codes, a fixed set of dead-letter reasons)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter("ingest_requests_total", "Webhook requests by platform and answer code",
                                ["platform", "code"], registry=self.registry)
        self.events = Counter("ingest_events_written_total", "Contract events written durably",
                              ["platform"], registry=self.registry)
        self.signature_failures = Counter("ingest_signature_failures_total",
                                          "Requests refused: bad or missing signature, token or timestamp",
                                          ["platform"], registry=self.registry)
        self.dead_letters = Counter("ingest_dead_letters_total",
                                    "Authentic payloads that could not be mapped",
                                    ["platform", "reason"], registry=self.registry)
        self.write_seconds = Histogram("ingest_write_seconds", "Time to write a request's events durably",
                                       registry=self.registry,
                                       buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                0.5, 1, 2.5, 5, 10))
