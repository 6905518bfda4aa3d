"""The one configuration object, built once at start-up from the command line and
environment. Deeper code receives it (or a part of it) and never reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from monitor.alerts import AlertSettings
from monitor.kafka_source import KafkaSettings
from monitor.models.risk_model import RiskModel
from monitor.playbook_file import PlaybookFile, builtin
from monitor.scoring import ProbabilityModel, SupportLike

DEFAULT_STORE = "support-monitor.db"
ENV_STORE = "SUPPORT_MONITOR_STORE"


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a run needs. Frozen: nothing changes it after start-up."""

    input_path: str
    flags_out: str | None = "-"
    scores_out: str | None = None
    dead_letter_out: str | None = None
    store_url: str | None = DEFAULT_STORE
    batch_size: int = 200
    conversation_ttl_s: int = 24 * 3600
    progress: bool = False
    metrics_port: int | None = None  # serve /metrics, /healthz, /readyz here when set
    kafka: KafkaSettings | None = None  # the Kafka source instead of input_path
    flags_topic: str | None = None
    dead_letter_topic: str | None = None
    alerts: AlertSettings | None = None  # push escalations to Alertmanager when set
    risk_model: RiskModel | None = None  # conversation risk: fitted model, else the rule
    anger_model: ProbabilityModel | None = None  # with the rules when set (models/anger_model.py)
    support_model: SupportLike | None = None  # urgency, complaint type (models/support_model.py)
    playbook: PlaybookFile = field(default_factory=builtin)


def default_store(env: Mapping[str, str] | None = None) -> str:
    """The store URL when ``--store`` is not given: $SUPPORT_MONITOR_STORE or a local file."""
    env = os.environ if env is None else env
    return env.get(ENV_STORE) or DEFAULT_STORE
