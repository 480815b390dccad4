"""The metrics chart as a Teams Adaptive Card: the picture inline (a data: URI), its numbers in
the alt text and the red flags in words beside it.

Teams refuses a message over about 28 KB, card included, so the chart is drawn at the highest
resolution whose card still fits (`CARD_BYTES`), not attached as a file: a bot in a
channel cannot upload files without extra Graph permissions.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from bot.reporting.charts import render_digest
from bot.reporting.data import digest_data
from core.playbook import Thresholds
from core.reporting import ChartImage
from storage.metrics_sql import Scope

TEAMS_MESSAGE_BYTES = 28 * 1024
CARD_BYTES = 26 * 1024  # the whole card, leaving room for the activity around it
FIRST_DPI, MIN_DPI, TRIES = 50, 20, 4


def fitting_card(render: Any, build: Any) -> dict[str, Any]:
    """`build(render(dpi))` at the highest resolution whose card fits a Teams message. A PNG's
    size grows with the square of the resolution, so one retry usually lands it."""
    dpi = FIRST_DPI
    for _ in range(TRIES):
        card: dict[str, Any] = build(render(dpi))
        size = len(json.dumps(card))
        if size <= CARD_BYTES:
            return card
        dpi = max(MIN_DPI, int(dpi * math.sqrt(CARD_BYTES / size) * 0.93))
    raise ValueError(f"the chart card is {size} bytes even at {dpi} dpi; a Teams message holds {TEAMS_MESSAGE_BYTES}")


def chart_card(chart: ChartImage, title: str, *, lines: Sequence[str] = ()) -> dict[str, Any]:
    """The card: title, the picture with its alt text, the red flags (or that there are none)."""
    uri = "data:image/png;base64," + base64.b64encode(chart.png).decode()
    flags = [f"🚩 {flag}" for flag in chart.red_flags] or ["No red flags this period."]
    body = [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "Image", "url": uri, "altText": chart.alt_text, "size": "Stretch"},
            *({"type": "TextBlock", "text": line, "wrap": True} for line in [*lines, *flags])]
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5", "body": body}


def metrics_card(
    engine: Engine, *, start: datetime, end: datetime, label: str, thresholds: Thresholds,
    emails: tuple[str, ...] | None = None, overdue_owners: Sequence[str] = (),
) -> dict[str, Any]:
    """`@Baton metrics` and the weekly digest in Teams: query once, draw at the size that fits."""
    data = digest_data(engine, start=start, end=end, label=label, thresholds=thresholds,
                       scope=Scope(emails=emails), overdue_owners=overdue_owners)
    return fitting_card(lambda dpi: render_digest(data, dpi=dpi),
                        lambda chart: chart_card(chart, f"Handoff metrics, {label}"))
