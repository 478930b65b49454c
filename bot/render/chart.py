"""The digest's 7-day chart: a PNG with matplotlib (the `chart` extra), else a text sparkline.

matplotlib is optional so that a runtime-only install (`pip install -e .`) stays small; the
digest text then carries a sparkline of the tension index instead of the picture. A day
without any readable statement is a gap (`·` in the sparkline, no point on the line), never
a calm 50.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.i18n import text as ui

if TYPE_CHECKING:  # types only: rendering sits below the digest stage, which uses delivery
    from bot.digest import Digest

BLOCKS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"


def chart_available() -> bool:
    """True when matplotlib can be imported (the PNG chart can be drawn)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def sparkline(values: Sequence[float | None], top: float = 100.0) -> str:
    """One block per value on a fixed 0–`top` scale (so days compare across digests)."""
    return "".join(
        NO_DATA if value is None else BLOCKS[min(int(value / top * len(BLOCKS)), len(BLOCKS) - 1)] for value in values
    )


def text_chart(digest: Digest, lang: str) -> str:
    """The chart's stand-in line when matplotlib is missing (HTML-safe: no feed text)."""
    values = [day.tension for day in digest.days]
    known = [v for v in values if v is not None]
    first, last = (f"{known[0]:.0f}", f"{known[-1]:.0f}") if known else ("–", "–")
    return ui(lang, "digest.sparkline", line=sparkline(values), first=first, last=last)


def render_chart(digest: Digest, lang: str = "en") -> bytes | None:
    """PNG of the last 7 days: statements per label as bars, the tension index as a line;
    None when matplotlib is not installed (the digest text then has the sparkline)."""
    if not chart_available():
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [f"{d.day:%m-%d}" for d in digest.days]
    positions = list(range(len(digest.days)))
    figure, axis = plt.subplots(figsize=(7, 3.6), dpi=110)
    try:
        width = 0.27
        for offset, values, color, key in (
            (-width, [d.escalation for d in digest.days], "#c0392b", "chart.escalation"),
            (0.0, [d.deescalation for d in digest.days], "#27ae60", "chart.deescalation"),
            (width, [d.neutral for d in digest.days], "#95a5a6", "chart.neutral"),
        ):
            axis.bar([p + offset for p in positions], values, width, color=color, label=ui(lang, key))
        axis.set_xticks(positions, labels)
        axis.set_ylabel(ui(lang, "chart.statements"))
        tension_axis = axis.twinx()
        tension = [float("nan") if d.tension is None else d.tension for d in digest.days]
        tension_axis.plot(positions, tension, color="#2c3e50", marker="o", label=ui(lang, "chart.tension"))
        tension_axis.set_ylim(0, 100)
        tension_axis.set_ylabel(ui(lang, "chart.tension"))
        handles = axis.get_legend_handles_labels()[0] + tension_axis.get_legend_handles_labels()[0]
        axis.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=8)
        axis.set_title(ui(lang, "chart.title"))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
