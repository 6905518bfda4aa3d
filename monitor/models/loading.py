"""The trained models a run uses, loaded together (``--models-dir``, default models/)."""

from __future__ import annotations

from dataclasses import replace

from monitor.config import Config
from monitor.models import anger_model, risk_model, support_model


def with_models(config: Config, models_dir: str | None = None) -> Config:
    """``config`` with the anger, urgency/complaint and conversation-risk models of
    ``models_dir`` (all required there), else of the repository's models/ where present."""
    return replace(config, anger_model=anger_model.load_default(models_dir),
                   support_model=support_model.load_default(models_dir),
                   risk_model=risk_model.load_default(models_dir))
