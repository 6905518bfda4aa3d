"""Character 1–3-gram counts, hashed, for a whole batch of texts in a few numpy calls.

scikit-learn's ``HashingVectorizer(analyzer="char")`` builds every n-gram as a Python
string and hashes it one by one: on short chat messages that was most of the scoring
time. Here a batch is joined into one array of code points; each n-gram of up to three
characters is packed into one 64-bit integer (21 bits per code point, so 1-, 2- and
3-grams never collide) and spread over ``n_features`` buckets by a multiplicative hash.
Same features in spirit, about ten times faster; no vocabulary to store.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: Fibonacci hashing


class CharNgramHasher(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Stateless transformer: texts → sparse counts of hashed character 1..``ngram_max``-grams."""

    def __init__(self, n_features: int = 2**17, ngram_max: int = 3) -> None:
        self.n_features = n_features
        self.ngram_max = ngram_max

    def fit(self, texts: Iterable[str], y: Any = None) -> CharNgramHasher:
        bits = int(self.n_features).bit_length() - 1
        if self.n_features != 1 << bits or not 1 <= self.ngram_max <= 3:
            raise ValueError("n_features must be a power of two and ngram_max 1..3")
        return self

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        docs = [t.lower().replace("\0", "") for t in texts]
        shift = np.uint64(64 - (int(self.n_features).bit_length() - 1))
        # One array for the batch; code point 0 ends each text (so no n-gram spans two).
        codes = np.frombuffer(("\0".join(docs) + "\0").encode("utf-32-le"), dtype=np.uint32)
        codes = codes.astype(np.uint64)
        end = codes == 0
        doc = np.cumsum(end) - end
        rows, cols = [], []
        key = np.zeros(len(codes), dtype=np.uint64)
        inside = np.ones(len(codes), dtype=bool)
        for n in range(self.ngram_max):
            # key[i] packs codes[i .. i+n]; ``inside`` says no text end lies in that span.
            span = len(codes) - n
            key = key[:span] | (codes[n:] << np.uint64(21 * n))
            inside = inside[:span] & ~end[n:]
            rows.append(doc[:span][inside])
            cols.append((key[inside] * _GOLDEN) >> shift)
        row, col = np.concatenate(rows), np.concatenate(cols).astype(np.int64)
        counts = sp.csr_matrix((np.ones(len(row)), (row, col)), shape=(len(docs), self.n_features))
        counts.sum_duplicates()
        return counts
