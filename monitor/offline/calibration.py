"""Reliability of a probability: predicted against observed, in bins (a reliability
diagram as a table), and the expected calibration error (ECE: the bins' gaps weighted
by their share of the messages)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def bins(labels: Sequence[bool], predicted: Sequence[float]) -> list[tuple[str, int, float, float]]:
    """(bin, messages, mean predicted, observed share) for every non-empty bin."""
    y, p = np.asarray(labels, dtype=float), np.asarray(predicted, dtype=float)
    at = np.clip(np.digitize(p, EDGES[1:-1]), 0, len(EDGES) - 2)
    out = []
    for b in range(len(EDGES) - 1):
        inside = at == b
        if inside.any():
            out.append((f"{EDGES[b]:.1f}–{EDGES[b + 1]:.1f}", int(inside.sum()), float(p[inside].mean()),
                        float(y[inside].mean())))
    return out


def ece(labels: Sequence[bool], predicted: Sequence[float]) -> float:
    rows = bins(labels, predicted)
    total = sum(n for _, n, _, _ in rows)
    return sum(n * abs(mean - seen) for _, n, mean, seen in rows) / max(total, 1)


def table(sets: dict[str, tuple[Sequence[bool], Sequence[float]]]) -> list[str]:
    """One column per set: "mean predicted → observed (n)" per bin, and the ECE."""
    names = list(sets)
    per = {name: {b: (n, m, o) for b, n, m, o in bins(*sets[name])} for name in names}
    lines = ["| predicted | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for b in range(len(EDGES) - 1):
        label = f"{EDGES[b]:.1f}–{EDGES[b + 1]:.1f}"
        cells = [f"{per[n][label][1]:.2f} → {per[n][label][2]:.2f} ({per[n][label][0]})"
                 if label in per[n] else "–" for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| ECE | " + " | ".join(f"{ece(*sets[n]):.3f}" for n in names) + " |")
    return lines
