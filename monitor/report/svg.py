"""Small charts as inline SVG with real text: the reader's browser draws the Chinese labels
with its own fonts, so the machine that builds the report needs no CJK font, and the
report stays one file with nothing loaded from elsewhere. Every label is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 34, 64
PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#6b7280")
FONT = "font-family=\"'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif\""


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str = ""


def _nice_max(value: float) -> float:
    """A round top for the axis (1, 2, 5 × 10^k) at or above ``value``."""
    if value <= 0:
        return 1.0
    step = 10 ** len(str(int(value))) / 100 if value >= 1 else 0.1
    while True:
        for m in (1, 2, 5):
            if m * step * 10 >= value:
                return m * step * 10
        step *= 10


def _frame(title: str, top: float, labels: Sequence[str], unit: str) -> list[str]:
    h = HEIGHT - TOP - BOTTOM
    out = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
           f'role="img" aria-label="{escape(title)}" {FONT} font-size="12">',
           f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>']
    for i in range(5):
        value = top * i / 4
        y = TOP + h - h * i / 4
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        shown = f"{value:.0f}" if top >= 4 else f"{value:.2g}"
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#6b7280">'
                   f"{escape(shown + unit)}</text>")
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for i, label in enumerate(labels):
        x = LEFT + step * (i + 0.5)
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                   f"{escape(label)}</text>")
    return out


def _legend(series: Sequence[Series]) -> list[str]:
    out = []
    for i, s in enumerate(series):
        x = LEFT + i * 140
        color = s.color or PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="{HEIGHT - 26}" width="12" height="12" fill="{color}"/>'
                   f'<text x="{x + 16}" y="{HEIGHT - 16}">{escape(s.name)}</text>')
    return out


def bars(title: str, labels: Sequence[str], series: Sequence[Series], stacked: bool = False,
         unit: str = "") -> str:
    """Grouped (or stacked) bars, one group per label; a missing value is drawn as none."""
    values = [[v or 0.0 for v in s.values] for s in series]
    peak = max((sum(col) for col in zip(*values, strict=True)) if stacked and values else
               (v for vs in values for v in vs), default=0.0)
    top = _nice_max(peak)
    out = _frame(title, top, labels, unit)
    h = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    width = step * 0.7 / (1 if stacked else max(len(series), 1))
    base = [0.0] * len(labels)
    for k, s in enumerate(series):
        color = s.color or PALETTE[k % len(PALETTE)]
        for i, v in enumerate(values[k]):
            x = LEFT + step * i + step * 0.15 + (0 if stacked else k * width)
            bar = h * v / top
            y = TOP + h - bar - (h * base[i] / top if stacked else 0)
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{bar:.1f}" '
                       f'fill="{color}"><title>{escape(f"{labels[i]} {s.name}: {v:g}")}</title></rect>')
            if stacked:
                base[i] += v
    return "\n".join([*out, *_legend(series), "</svg>"])


def lines(title: str, labels: Sequence[str], series: Sequence[Series], target: float | None = None,
          target_label: str = "", unit: str = "") -> str:
    """Lines with points; a missing value breaks the line; an optional dashed target."""
    known = [v for s in series for v in s.values if v is not None]
    top = _nice_max(max([*known, target or 0.0], default=0.0))
    out = _frame(title, top, labels, unit)
    h = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    if target is not None:
        y = TOP + h - h * target / top
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ef4444" '
                   f'stroke-dasharray="5,4"/><text x="{WIDTH - RIGHT}" y="{y - 4:.1f}" text-anchor="end" '
                   f'fill="#ef4444">{escape(target_label)}</text>')
    for k, s in enumerate(series):
        color = s.color or PALETTE[k % len(PALETTE)]
        run: list[str] = []
        for i, v in enumerate([*s.values, None]):
            if v is None:
                if len(run) > 1:
                    out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                               f'points="{" ".join(run)}"/>')
                run = []
                continue
            x, y = LEFT + step * (i + 0.5), TOP + h - h * v / top
            run.append(f"{x:.1f},{y:.1f}")
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                       f'<title>{escape(f"{labels[i]} {s.name}: {v:g}")}</title></circle>')
    return "\n".join([*out, *_legend(series), "</svg>"])
