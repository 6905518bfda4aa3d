"""The run's configuration, one frozen part per concern, built once at start-up by the
command line. Deeper code receives the part it needs and never reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from monitor.io.kafka_source import KafkaSettings
from monitor.models.bundle import ModelBundle
from monitor.ops.alerts import AlertSettings
from monitor.steps.playbook.file import PlaybookFile, builtin

DEFAULT_STORE = "support-monitor.db"
ENV_STORE = "SUPPORT_MONITOR_STORE"


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """Where events come from: a JSON Lines file or stdin (``-``), or Kafka."""

    input_path: str | None = None
    kafka: KafkaSettings | None = None
    batch_size: int = 200
    # Kafka: how much of a newly assigned partition's event time to replay to rebuild
    # its state (``monitor/stream/rebuild.py``); None: the conversation TTL.
    rebuild_window_s: int | None = None
    # A file: keep reading as it grows (what ``support-monitor ingest --to-file`` writes).
    follow: bool = False

    def __post_init__(self) -> None:
        if (self.input_path is None) == (self.kafka is None):
            raise ValueError("a source is either an input path or Kafka settings")


@dataclass(frozen=True, slots=True)
class OutputConfig:
    """Where results go; any combination. ``flags_out`` ``-`` is stdout."""

    flags_out: str | None = "-"
    scores_out: str | None = None
    dead_letter_out: str | None = None
    store_url: str | None = DEFAULT_STORE
    flags_topic: str | None = None  # on the source's Kafka cluster
    dead_letter_topic: str | None = None
    metrics_port: int | None = None  # serve /metrics, /healthz, /readyz here when set
    metrics_host: str = "127.0.0.1"  # 0.0.0.0 in a container, for the scraper
    metrics_token: str | None = field(default=None, repr=False)  # bearer token for /metrics
    dead_letter_raw: bool = False  # keep the raw record verbatim instead of masked
    overwrite: bool = False  # truncate the output files instead of appending


@dataclass(frozen=True, slots=True)
class ProcessingConfig:
    """How the steps judge: the playbook file and how long a conversation is kept."""

    playbook: PlaybookFile = field(default_factory=builtin)
    conversation_ttl_s: int = 24 * 3600
    max_text_chars: int = 16_384  # longer texts are cut there and marked ``truncated``
    max_skew_s: int = 7 * 24 * 3600  # events further from stream time are dead letters
    id_key: bytes | None = field(default=None, repr=False)  # pseudonyms of ids with personal data


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything ``support-monitor run`` needs. Frozen: nothing changes it after start-up."""

    source: SourceConfig
    outputs: OutputConfig = field(default_factory=OutputConfig)
    processing: ProcessingConfig = field(default_factory=ProcessingConfig)
    models: ModelBundle = field(default_factory=ModelBundle)
    alerts: AlertSettings | None = None  # push escalations to Alertmanager when set


def default_store(env: Mapping[str, str] | None = None) -> str:
    """The store URL when ``--store`` is not given: $SUPPORT_MONITOR_STORE or a local file."""
    env = os.environ if env is None else env
    return env.get(ENV_STORE) or DEFAULT_STORE
