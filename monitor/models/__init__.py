"""Model evaluation (and, with issue #3, trained models behind the ``Scorer`` interface)."""
