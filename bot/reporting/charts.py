"""The digest chart: four panels in one PNG, drawn headless with matplotlib's Agg backend.

Only this module imports matplotlib, and only the object-oriented API (a Figure with an Agg
canvas, no pyplot): no global state, no GUI backend, no font download (DejaVu ships with it).
"""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from core.reporting import ChartImage, DigestData, alt_text

WIDTH_IN, HEIGHT_IN, DPI = 12.0, 8.0, 100
SIZE = (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))
RED = "#c0392b"


def render_digest(data: DigestData, *, dpi: int = DPI) -> ChartImage:
    """The PNG with its alt text and red-flag lines, ready for any chat adapter or a file;
    a lower `dpi` makes a smaller picture (Teams carries it inside a card of at most ~28 KB)."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(f"Handoff metrics: {data.label}", fontsize=14)
    completion, touch, segments, overdue = fig.subplots(2, 2).flat
    _completion(completion, data)
    _first_touch(touch, data)
    _segments(segments, data)
    _overdue(overdue, data)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return ChartImage(png=buffer.getvalue(), alt_text=alt_text(data), red_flags=data.red_flags,
                      width=int(WIDTH_IN * dpi), height=int(HEIGHT_IN * dpi))


def _completion(ax: Axes, data: DigestData) -> None:
    labels = [f"{p.start:%b %d}" for p in data.weeks]
    rates = [p.rate * 100 if p.rate is not None else float("nan") for p in data.weeks]
    ax.plot(labels, rates, marker="o", color="#2e86c1", label="completion rate")
    ax.axhline(data.thresholds.completion_rate_min * 100, color=RED, linestyle="--", label="red flag")
    ax.set_title(f"Completion rate per week (last {len(data.weeks)} weeks)")
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.legend(loc="lower left", fontsize=8)


def _first_touch(ax: Axes, data: DigestData) -> None:
    n = len(data.touch_bins)
    labels = [f"{i * data.bin_hours}" for i in range(n - 1)] + [f"{(n - 1) * data.bin_hours}+"]
    ax.bar(range(n), data.touch_bins, color="#5dade2", align="edge", width=0.9)
    sla = data.thresholds.first_touch_max_hours / data.bin_hours
    ax.axvline(sla, color=RED, linestyle="--", label=f"SLA {data.thresholds.first_touch_max_hours:g}h")
    ax.set_xticks(range(n), labels, fontsize=8)
    ax.set_title("Time to first touch (hours after close)")
    ax.set_ylabel("handoffs")
    ax.legend(fontsize=8)


def _segments(ax: Axes, data: DigestData) -> None:
    names = [m.group for m in data.by_segment]
    xs = range(len(names))
    esc = [(m.escalation_rate or 0) * 100 for m in data.by_segment]
    ovr = [(m.override_rate or 0) * 100 for m in data.by_segment]
    ax.bar([x - 0.2 for x in xs], esc, width=0.4, label="escalation", color="#f5b041")
    ax.bar([x + 0.2 for x in xs], ovr, width=0.4, label="override", color="#af7ac5")
    ax.axhline(data.thresholds.escalation_rate_max * 100, color=RED, linestyle="--", label="escalation red flag")
    ax.axhline(data.thresholds.override_rate_max * 100, color=RED, linestyle=":", label="override red flag")
    ax.set_xticks(list(xs), names)
    ax.set_title("Escalation and override rates by segment")
    ax.set_ylabel("%")
    ax.legend(fontsize=7)


def _overdue(ax: Axes, data: DigestData) -> None:
    owners = [o for o, _ in data.overdue_by_owner][::-1]
    counts = [n for _, n in data.overdue_by_owner][::-1]
    ax.barh(owners, counts, color="#ec7063")
    ax.set_title("Overdue handoffs by owner")
    ax.set_xlabel("handoffs")
    ax.tick_params(axis="y", labelsize=8)
    if not owners:
        ax.text(0.5, 0.5, "nothing overdue", ha="center", va="center", transform=ax.transAxes)
