"""The trained models a run uses, loaded together (``--models-dir``, default models/)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.models import anger_model, risk_model, support_model
from monitor.models.anger_model import AngerModel
from monitor.models.encoder import EncoderAnger
from monitor.models.reply_model import ReplyModel
from monitor.models.risk_model import RiskModel
from monitor.models.support_model import SupportModel


@dataclass(frozen=True, slots=True)
class ModelBundle:
    """Each model is optional: without one, the rules (or the rule-based risk) stand in."""

    anger: AngerModel | None = None
    support: SupportModel | None = None  # urgency and complaint type
    risk: RiskModel | None = None  # conversation risk
    reply: ReplyModel | None = None  # does a customer message expect an answer?
    encoder: EncoderAnger | None = None  # second opinion near a threshold (--encoder)

    def __bool__(self) -> bool:
        return any((self.anger, self.support, self.risk, self.reply))


def load_models(models_dir: str | None = None) -> ModelBundle:
    """The anger, urgency/complaint, conversation-risk and reply-expectation models of
    ``models_dir`` (all required there), else of the repository's models/ where present."""
    return ModelBundle(anger_model.load_default(models_dir), support_model.load_default(models_dir),
                       risk_model.load_default(models_dir), ReplyModel.load_default(models_dir))
