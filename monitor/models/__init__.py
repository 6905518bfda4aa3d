"""Trained models and their tooling: the anger model (``anger_model``), the urgency and
complaint-type model (``support_model``), conversation risk (``risk_model``), their shared
features (``char_hash``, ``linear``) and files (``artifact``), loading (``loading``),
``models train`` (``train``) and ``models evaluate`` (``evaluate``)."""
