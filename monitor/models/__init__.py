"""Layer 1: the trained models at run time, inference only, numpy alone.

The anger model (``anger_model``), the urgency and complaint-type model
(``support_model``), conversation risk (``risk_model``), their shared features
(``char_hash``, ``linear``), their files (``artifact``: plain arrays and JSON, no
pickle) and the bundle a run loads (``bundle``). Fitting them is offline tooling
(``monitor/offline``, scikit-learn, the ``[train]`` extra).
"""
