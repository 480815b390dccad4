"""One call from a period and a scope to the chart view-model every chat platform posts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.reporting.charts import render_digest
from bot.reporting.data import digest_data
from core.playbook import Thresholds
from core.reporting import ChartImage
from storage.metrics_sql import EVERYONE, Scope


def digest_chart(
    engine: Engine, *, start: datetime, end: datetime, label: str, thresholds: Thresholds,
    scope: Scope = EVERYONE, overdue_owners: Iterable[str] = (),
) -> ChartImage:
    """Query (a few GROUP BYs) then draw; blocking, so chat adapters run it in a thread."""
    data = digest_data(engine, start=start, end=end, label=label, thresholds=thresholds, scope=scope,
                       overdue_owners=overdue_owners)
    return render_digest(data)
