"""Charts of the weekly report as PNG (data URIs), which render offline and in mail
clients. Chinese labels need a font with CJK glyphs; without one matplotlib would draw
empty boxes (tofu), so the report refuses to draw charts and says what to install.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache

from monitor.records.errors import UsageError
from monitor.report.figures import Figures

# Fonts with Simplified Chinese glyphs, in order of preference.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "SimHei")
KIND_NAMES = {"handle_emotion_first": "先处理情绪", "escalate_supervisor": "主管介入",
              "urgent": "紧急", "agent_coaching": "坐席辅导"}


@lru_cache(maxsize=1)
def cjk_font() -> str:
    from matplotlib import font_manager

    for attempt in range(2):
        available = {f.name for f in font_manager.fontManager.ttflist}
        for name in CJK_FONTS:
            if name in available:
                return name
        if attempt == 0:  # a font installed after matplotlib built its cache: look again
            font_manager.fontManager = font_manager._load_fontmanager(  # type: ignore[attr-defined]
                try_read_cache=False)
    raise UsageError("no font with Chinese glyphs for the report's charts: install one, e.g. "
                     "apt-get install fonts-wqy-microhei (or fonts-noto-cjk)")


def _png(fig: object) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def charts(this: Figures, last: Figures) -> dict[str, str]:
    """Chart name -> PNG data URI. Empty weeks get no charts."""
    if this.empty:
        return {}
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = cjk_font()
    plt.rcParams["axes.unicode_minus"] = False
    out: dict[str, str] = {}

    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    days = list(this.volume_by_day)
    channels = sorted({c for v in this.volume_by_day.values() for c in v})
    bottom = [0] * len(days)
    for channel in channels:
        values = [this.volume_by_day[d].get(channel, 0) for d in days]
        ax.bar(days, values, bottom=bottom, label=channel)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title("每日消息量（按渠道）")
    ax.set_ylabel("消息数")
    ax.legend(fontsize=8, ncols=min(len(channels), 5), loc="upper center",
              bbox_to_anchor=(0.5, -0.12), frameon=False)
    out["volume"] = _png(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    kinds = list(KIND_NAMES)
    x = range(len(kinds))
    ax.bar([i - 0.2 for i in x], [last.flags_by_kind.get(k, 0) for k in kinds], width=0.4,
           label="上周", color="#b0b7c3")
    ax.bar([i + 0.2 for i in x], [this.flags_by_kind.get(k, 0) for k in kinds], width=0.4,
           label="本周", color="#d9534f")
    ax.set_xticks(list(x), [KIND_NAMES[k] for k in kinds])
    ax.set_title("标记数量：本周与上周")
    ax.legend(fontsize=8)
    out["flags"] = _png(fig)
    plt.close(fig)

    if this.first_reply_by_day:
        fig, ax = plt.subplots(figsize=(7.5, 3.2))
        ax.plot(list(this.first_reply_by_day), list(this.first_reply_by_day.values()), marker="o",
                label="首次回复中位数")
        ax.axhline(60, color="#d9534f", linestyle="--", label="目标 60 秒")
        ax.set_title("每日首次回复时间（秒）")
        ax.set_ylabel("秒")
        ax.legend(fontsize=8)
        out["first_reply"] = _png(fig)
        plt.close(fig)
    return out
