"""What the digest chart shows, as plain data: a chat adapter or the CLI only renders it.

The chart is built from the same Metrics the text digest uses, so a test can compare the
numbers behind each panel with the metrics of the same period instead of comparing pixels.
The alt text says those numbers and the red flags in words for people who cannot see the image.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.metrics import Metrics, pct
from core.playbook import Thresholds

WEEKS = 12
TOUCH_BIN_HOURS = 12
TOUCH_BINS = 9  # 0-12h ... 96h+


@dataclass(frozen=True)
class WeekPoint:
    """One week of the completion-rate line; `rate` is None when nothing was submitted."""

    start: datetime
    rate: float | None
    submitted: int


@dataclass(frozen=True)
class DigestData:
    """Everything the four panels draw, with the red-flag lines from the playbook."""

    label: str
    overall: Metrics
    weeks: tuple[WeekPoint, ...]
    touch_bins: tuple[int, ...]
    bin_hours: int
    by_segment: tuple[Metrics, ...]
    overdue_by_owner: tuple[tuple[str, int], ...]
    thresholds: Thresholds

    @property
    def red_flags(self) -> tuple[str, ...]:
        """The period's flags, then the segments' own, each said once."""
        flags = list(self.overall.red_flags)
        for m in self.by_segment:
            flags += [f"{m.group}: {flag}" for flag in m.red_flags]
        return tuple(flags)


@dataclass(frozen=True)
class ChartImage:
    """The view-model a chat adapter posts: PNG bytes, alt text and the red flags as lines."""

    png: bytes
    alt_text: str
    red_flags: tuple[str, ...]
    width: int
    height: int
    filename: str = "handoff-metrics.png"


def week_starts(end: datetime, weeks: int = WEEKS) -> list[tuple[datetime, datetime]]:
    """The [start, end) of each of the last `weeks` seven-day periods ending at `end`, oldest first."""
    return [(end - timedelta(days=7 * (n + 1)), end - timedelta(days=7 * n)) for n in reversed(range(weeks))]


def overdue_counts(owners: Iterable[str], top: int = 10) -> tuple[tuple[str, int], ...]:
    """Overdue handoffs per owner, most first (ties by name), the `top` owners only."""
    counts = Counter(o.lower() for o in owners)
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top])


def alt_text(data: DigestData) -> str:
    """The chart in words: the numbers of each panel, then the red flags."""
    m, t = data.overall, data.thresholds
    rates = [f"{p.start:%b %d} {_maybe_pct(p.rate)}" for p in data.weeks]
    parts = [
        f"Handoff metrics, {data.label}: {m.handoffs} handoffs, {m.submitted} submitted.",
        f"Completion rate {_maybe_pct(m.completion_rate)} (red flag under {pct(t.completion_rate_min)}); "
        f"by week: {', '.join(rates)}.",
        f"Median time to first touch {_maybe_hours(m.hours_to_first_touch)} (SLA {t.first_touch_max_hours:g}h); "
        f"{sum(data.touch_bins[_sla_bin(data):])} of {sum(data.touch_bins)} first touches after the SLA.",
        "Escalation and override rates by segment: " + "; ".join(
            f"{s.group} {_maybe_pct(s.escalation_rate)} escalated, {_maybe_pct(s.override_rate)} overridden"
            for s in data.by_segment
        ) + (f" (red flags over {pct(t.escalation_rate_max)} and {pct(t.override_rate_max)})."
             if data.by_segment else "none."),
        "Overdue handoffs by owner: " + (", ".join(f"{o} {n}" for o, n in data.overdue_by_owner) or "none") + ".",
        "Red flags: " + ("; ".join(data.red_flags) if data.red_flags else "none") + ".",
    ]
    return " ".join(parts)


def _sla_bin(data: DigestData) -> int:
    return min(int(data.thresholds.first_touch_max_hours // data.bin_hours), len(data.touch_bins))


def _maybe_pct(share: float | None) -> str:
    return "n/a" if share is None else pct(share)


def _maybe_hours(hours: float | None) -> str:
    return "n/a" if hours is None else f"{hours:g}h"


def segment_rates(rows: Sequence[Metrics]) -> dict[str, tuple[float | None, float | None]]:
    """(escalation rate, override rate) per segment: the bars of the third panel."""
    return {m.group: (m.escalation_rate, m.override_rate) for m in rows}


@dataclass(frozen=True)
class ReportScope:
    """Whose handoffs a person's report covers: `emails` None means everyone's."""

    label: str
    emails: tuple[str, ...] | None


def scope_for(email: str | None, *, is_revops: bool, is_manager: bool,
              team: tuple[str, ...] | None = None) -> ReportScope:
    """RevOps sees every handoff; a manager their team's (`roles.manager_teams`), or every
    handoff when the playbook does not say who reports to them (the approval guards' rule: any
    manager may approve any override); an AE or CSM the handoffs they are AE or CSM on."""
    if is_revops:
        return ReportScope("all handoffs", None)
    if is_manager:
        return ReportScope("your team's handoffs", team) if team is not None else ReportScope("all handoffs", None)
    return ReportScope("your handoffs", (email.lower(),) if email else ())


def may_export(*, is_revops: bool, is_manager: bool) -> bool:
    """Exports leave Baton with everyone's numbers: managers and RevOps only."""
    return is_revops or is_manager


PERIODS = {"week": 7, "month": 30, "quarter": 91, "year": 365}


def parse_period(text: str) -> tuple[int, str] | None:
    """`week`, `month`, `quarter`, `year`, or `Nd` (1-366 days) -> (days, label); "" is 30 days."""
    word = text.strip().lower()
    if not word:
        return 30, "the last 30 days"
    if word in PERIODS:
        return PERIODS[word], f"the last {word}"
    if word.endswith("d") and word[:-1].isdigit() and 1 <= int(word[:-1]) <= 366:
        return int(word[:-1]), f"the last {int(word[:-1])} days"
    return None


def slack_alt(text: str, limit: int = 1_000) -> str:
    """Alt text within a platform's limit (Slack: 1,000 characters), cut at a word with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
