"""The weekly trend report for support managers (``support-monitor report weekly``)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.io.store import Store
from monitor.report.charts import charts
from monitor.report.figures import Figures, Targets, Week, compute
from monitor.report.render import render

__all__ = ["Report", "Targets", "Week", "weekly"]


@dataclass(frozen=True, slots=True)
class Report:
    this: Figures
    last: Figures
    text: str

    def html(self) -> str:
        """The HTML version (for e-mail) from the same figures, without reading the store again."""
        return render("html", self.this, self.last, charts(self.this, self.last))


def weekly(store_url: str, week: Week, fmt: str, targets: Targets) -> Report:
    """Read the week and the one before from the store and render the report."""
    store = Store(store_url, create=False)
    try:
        figures = []
        for w in (week, week.previous()):
            start, end = w.ms()
            figures.append(compute(w, store.between("messages", start, end),
                                   store.between("flags", start, end), targets))
    finally:
        store.close()
    this, last = figures
    drawn = charts(this, last) if fmt == "html" else {}
    return Report(this, last, render(fmt, this, last, drawn))
