"""Layer 0: the typed records every layer shares, and the named exceptions.

Nothing here imports any other part of ``monitor``: events in, scores, conversation
state, flags and batch results out. See ``docs/architecture.md``.
"""
