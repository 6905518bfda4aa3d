"""Prediction straight from fitted scikit-learn arrays, for small live batches.

scikit-learn validates its input on every ``transform`` and ``predict_proba`` call
(dtype, shape, data-frame detection): on a batch of a few hundred chat messages that
costs more than the arithmetic. The functions here do the same arithmetic on the
fitted attributes (``idf_``, ``coef_``, ``intercept_``, ``classes_``) and nothing else;
``tests/test_anger_model.py`` checks they agree with scikit-learn to 1e-9.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp


def tfidf(counts: sp.csr_matrix, transformer: Any) -> sp.csr_matrix:
    """``TfidfTransformer(sublinear_tf=True, norm="l2")``.transform, fitted ``idf_``."""
    x = counts.astype(np.float64, copy=True)
    np.log(x.data, out=x.data)
    x.data += 1.0
    x.data *= transformer.idf_[x.indices]
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    norm = np.sqrt(np.bincount(rows, weights=x.data**2, minlength=x.shape[0]))
    norm[norm == 0] = 1.0  # an empty row stays empty
    x.data /= norm[rows]
    return x


def positive_proba(x: sp.csr_matrix, lr: Any) -> np.ndarray:
    """P(classes_[1]) of a binary ``LogisticRegression``."""
    z = x @ lr.coef_[0] + lr.intercept_[0]
    return 1.0 / (1.0 + np.exp(-z))  # type: ignore[no-any-return]


def predict_class(x: sp.csr_matrix, lr: Any) -> np.ndarray:
    """The most probable class of a multinomial ``LogisticRegression``."""
    z = x @ lr.coef_.T + lr.intercept_
    return lr.classes_[np.argmax(z, axis=1)]  # type: ignore[no-any-return]
