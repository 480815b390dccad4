"""Due lines rendered as Slack date tokens; the due times themselves are the SLA planner's.

Slack renders `<!date^UNIX^{date_short_pretty} at {time}|fallback>` in each reader's own time
zone; the fallback (UTC) shows in notifications and old clients. Which deadline is next and when
it falls is decided once in core/presentation/due.py from the planner's timers (the same that
send the nudges), so a card can never disagree with the reminder it comes with.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.handoff import Handoff
from core.playbook import Playbook
from core.presentation.due import DueLine, plan_due
from core.sla import SlaPlanner


def next_due(handoff: Handoff, playbook: Playbook) -> DueLine | None:
    """The planner's next deadline for this handoff (core/presentation/due.py decides it)."""
    return plan_due(handoff, SlaPlanner(playbook))


def describe(due: DueLine, now: datetime) -> str:
    """`Nov 3 at 14:00 UTC` as a Slack date token, flagged when it has passed."""
    text = slack_date(due.at)
    return f"{text} ⚠️ overdue" if due.overdue(now) else text


def countdown(due: DueLine, now: datetime) -> str:
    """`due in 5h` or `⚠️ 3h overdue`, for lists."""
    if due.overdue(now):
        return f"⚠️ {span(-due.left(now))} overdue"
    return f"due in {span(due.left(now))}"


def slack_date(at: datetime, *, with_date: bool = True) -> str:
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    stamp = int(utc.timestamp())
    if with_date:
        fallback = f"{utc:%b} {utc.day}, {utc.year} at {utc:%H:%M} UTC"
        return f"<!date^{stamp}^{{date_short_pretty}} at {{time}}|{fallback}>"
    return f"<!date^{stamp}^{{time}}|{utc:%H:%M} UTC>"


def span(delta: timedelta) -> str:
    """A rough, readable length of time: `45m`, `5h`, `2d 3h`."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes}m"
    hours, days = minutes // 60, minutes // 1440
    if days == 0:
        return f"{hours}h"
    rest = hours - days * 24
    return f"{days}d {rest}h" if rest else f"{days}d"
