"""The console's metrics: how long flags wait for a person, what people judged, and how
many flags are in each status. Bounded labels only (kind, status, verdict, reason)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from monitor.io.store.queries import Reader

ACK_BUCKETS = (30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400)


class _ByStatus(Collector):
    """Flags by status and kind, read from the store at each scrape."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("support_flags_by_status", "Flags in the store by status and kind",
                                   labels=["status", "kind"])
        for (status, kind), n in sorted(self.reader.counts_by_status().items()):
            family.add_metric([status, kind], n)
        yield family


class ConsoleMetrics:
    def __init__(self, reader: Reader, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.ack_seconds = Histogram("support_flag_ack_seconds",
                                     "From a flag being raised to a person taking it (wall clock)",
                                     ["kind"], buckets=ACK_BUCKETS, registry=r)
        self.verdicts = Counter("support_flag_verdicts", "Verdicts given on flags",
                                ["kind", "verdict", "reason"], registry=r)
        self.actions = Counter("support_console_actions", "Actions of people on the console",
                               ["action", "outcome"], registry=r)
        r.register(_ByStatus(reader))
