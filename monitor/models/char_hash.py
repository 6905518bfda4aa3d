"""Character 1–3-gram counts, hashed, for a whole batch of texts in a few numpy calls.

A batch is joined into one array of code points; each n-gram of up to three characters
is packed into one 64-bit integer (21 bits per code point, so 1-, 2- and 3-grams never
collide) and spread over ``n_features`` buckets by a multiplicative hash (the top bits).
No vocabulary to store, and numpy is all it needs.

The result is kept as coordinate lists sorted by text, then bucket — the order of a
sorted sparse row — so the arithmetic in ``linear.py`` adds terms in the order
scikit-learn's sparse products do and gives the same floating-point results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio: Fibonacci hashing


@dataclass(frozen=True, slots=True)
class HashedCounts:
    """Counts of hashed n-grams: one entry per (text, bucket) that occurs, sorted."""

    rows: np.ndarray  # int64, the text's index in the batch
    cols: np.ndarray  # int64, the bucket
    counts: np.ndarray  # float64, occurrences (whole numbers)
    n_texts: int
    n_features: int

    def fold(self, buckets: int) -> HashedCounts:
        """The same counts over fewer buckets. The hash keeps the top bits, so bucket b of
        2^(k+j) buckets is bucket b >> j of 2^k."""
        if buckets == self.n_features:
            return self
        shift = (self.n_features // buckets).bit_length() - 1
        if self.n_features != buckets << shift:
            raise ValueError(f"cannot fold {self.n_features} buckets into {buckets}")
        key = self.rows * buckets + (self.cols >> shift)
        if not len(key):
            return HashedCounts(self.rows, self.cols, self.counts, self.n_texts, buckets)
        # Entries are sorted by (row, bucket) and the shift keeps that order, so the new keys
        # are already sorted and equal ones adjacent: sum each run, no sort needed.
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        uniq = key[starts]
        counts = np.add.reduceat(self.counts, starts)
        return HashedCounts(uniq // buckets, uniq % buckets, counts, self.n_texts, buckets)


def check_hashing(n_features: int, ngram_max: int) -> None:
    bits = int(n_features).bit_length() - 1
    if n_features != 1 << bits or not 1 <= ngram_max <= 3:
        raise ValueError("n_features must be a power of two and ngram_max 1..3")


def hash_counts(texts: Iterable[str], n_features: int, ngram_max: int = 3) -> HashedCounts:
    """Counts of every text's lower-cased character 1..``ngram_max``-grams."""
    check_hashing(n_features, ngram_max)
    docs = [t.lower().replace("\0", "") for t in texts]
    shift = np.uint64(64 - (int(n_features).bit_length() - 1))
    # One array for the batch; code point 0 ends each text (so no n-gram spans two).
    codes = np.frombuffer(("\0".join(docs) + "\0").encode("utf-32-le"), dtype=np.uint32)
    codes = codes.astype(np.uint64)
    end = codes == 0
    doc = np.cumsum(end) - end
    rows, cols = [], []
    key = np.zeros(len(codes), dtype=np.uint64)
    inside = np.ones(len(codes), dtype=bool)
    for n in range(ngram_max):
        # key[i] packs codes[i .. i+n]; ``inside`` says no text end lies in that span.
        span = len(codes) - n
        key = key[:span] | (codes[n:] << np.uint64(21 * n))
        inside = inside[:span] & ~end[n:]
        rows.append(doc[:span][inside].astype(np.int64))
        cols.append(((key[inside] * _GOLDEN) >> shift).astype(np.int64))
    flat = np.concatenate(rows) * n_features + np.concatenate(cols)
    uniq, counts = np.unique(flat, return_counts=True)
    return HashedCounts(uniq // n_features, uniq % n_features, counts.astype(np.float64),
                        len(docs), n_features)
