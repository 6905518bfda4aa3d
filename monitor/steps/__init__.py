"""Layer 2: the processing steps, one job each, in the order ``pipeline.py`` runs them:
parse → normalise → score → conversation state → risk → playbook."""
