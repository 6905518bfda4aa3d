"""The weekly trend report for support managers (``support-monitor report weekly``)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.io.store import Store
from monitor.io.store.queries import Reader
from monitor.report import precision
from monitor.report.figures import Figures, Targets, Week, Weekly, compute
from monitor.report.render import render

__all__ = ["Report", "Targets", "Week", "weekly"]
TREND_WEEKS = 8


@dataclass(frozen=True, slots=True)
class Report:
    weekly: Weekly
    text: str

    @property
    def this(self) -> Figures:
        return self.weekly.this

    @property
    def last(self) -> Figures:
        return self.weekly.last

    def html(self) -> str:
        """The HTML version (for e-mail) from the same figures, without reading the store again."""
        return render("html", self.weekly)


def weekly(store_url: str, week: Week, fmt: str, targets: Targets, console_url: str = "") -> Report:
    """Read the week and the seven before it from the store and render the report."""
    weeks = [week]
    while len(weeks) < TREND_WEEKS:
        weeks.append(weeks[-1].previous())
    store = Store(store_url, create=False)
    reader = Reader(store)
    figures: list[Figures] = []
    precisions: list[precision.Precision] = []
    try:
        for w in weeks:
            start, end = w.ms()
            flags = store.between("flags", start, end)
            figures.append(compute(w, store.between("messages", start, end), flags, targets))
            precisions.append(precision.compute(flags, reader.missed(start, end), [w.label], w.tz))
    finally:
        store.close()
    data = Weekly(figures[0], figures[1], figures[::-1], precisions[0], precisions[::-1], console_url)
    return Report(data, render(fmt, data))
