"""TF-IDF and linear scores on hashed counts, with numpy alone.

The arithmetic of scikit-learn's ``TfidfTransformer(sublinear_tf=True)`` and of a
logistic regression's decision function, on the fitted arrays (``idf``, ``coef``,
``intercept``). Terms are added per text in bucket order, then the extra columns in
their order, as a sorted sparse matrix product does, so the figures are the same as
scikit-learn's (``tests/test_anger_model.py``, ``tests/test_expected_outputs.py``).
"""

from __future__ import annotations

import numpy as np

from monitor.models.char_hash import HashedCounts


def tfidf(counts: HashedCounts, idf: np.ndarray) -> np.ndarray:
    """Sublinear, idf-weighted, L2-normalised values, aligned with ``counts.rows/cols``."""
    x = np.log(counts.counts)
    x += 1.0
    x *= idf[counts.cols]
    norm = np.sqrt(np.bincount(counts.rows, weights=x**2, minlength=counts.n_texts))
    norm[norm == 0] = 1.0  # an empty text stays empty
    x /= norm[counts.rows]
    return x  # type: ignore[no-any-return]


def decision(counts: HashedCounts, values: np.ndarray, coef: np.ndarray, intercept: float,
             extra: np.ndarray | None = None) -> np.ndarray:
    """``values · coef[:n_features]`` per text, then ``extra · coef[n_features:]``, plus
    the intercept. ``extra``: dense columns after the hashed ones (one row per text)."""
    z = np.bincount(counts.rows, weights=values * coef[counts.cols], minlength=counts.n_texts)
    if extra is not None:
        tail = coef[counts.n_features:]
        for j in range(extra.shape[1]):
            z += extra[:, j] * tail[j]
    return z + intercept


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))  # type: ignore[no-any-return]
