"""Ephemeral answers to `/handoff`: help, one handoff's status, lists, and the metrics table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.slack.escape import escape_mrkdwn, literal
from bot.slack.views import kit
from bot.slack.views.card import card_fields
from bot.slack.views.fmt import STATUS_WORDS, field_labels
from bot.slack.views.timing import countdown, next_due, slack_date
from core.handoff import Handoff
from core.metrics import Metrics
from core.playbook import Playbook

HISTORY_SHOWN = 5
_COMMANDS = (
    ("help", "this list"),
    ("status [deal or account]", "where a handoff stands, and what it waits on"),
    ("mine", "the handoffs waiting on you"),
    ("overdue", "what is past due and waiting on you (managers: their team)"),
    ("touched [deal]", "record your first customer touch (CSM, after accepting)"),
    ("kickoff <YYYY-MM-DD> [deal]", "record the kickoff date (CSM)"),
    ("open <deal id>", "start a handoff by hand when the CRM did not"),
    ("metrics", "completion, speed and escalations, with red flags and a chart (add week, quarter or 45d)"),
    ("export", "the metrics as a CSV in your DM (managers and RevOps; add a period as for metrics)"),
)


def help_text(*, llm_enabled: bool) -> str:
    """The `/handoff help` answer, as mrkdwn."""
    lines = ["*Baton* runs sales-to-customer-success handoffs. Try:"]
    lines += [f"• `/handoff {escape_mrkdwn(cmd)}`: {what}" for cmd, what in _COMMANDS]
    lines.append("Your handoffs are also on Baton's *Home* tab.")
    if not llm_enabled:
        lines.append(
            "Drafting the packet from call notes is off: set `OPENAI_API_KEY` (and optionally "
            "`OPENAI_BASE_URL`, `BATON_LLM_MODEL`) where Baton runs to turn it on."
        )
    return "\n".join(lines)


def status_blocks(
    handoff: Handoff, playbook: Playbook, *, user_ids: Mapping[str, str], now: datetime,
) -> list[kit.Block]:
    """One handoff's facts, what is still missing, and its latest history."""
    blocks = [
        kit.section(f"*{literal(handoff.deal.account)}*: {STATUS_WORDS[handoff.status]}"),
        *kit.field_sections(card_fields(handoff, playbook, user_ids=user_ids, now=now)),
    ]
    missing = field_labels(playbook, handoff.missing_fields())
    if missing:
        blocks.append(kit.section("*Still needed*: " + ", ".join(literal(m) for m in missing)))
    history = [
        f"{slack_date(entry.at)} · {literal(entry.action.replace('_', ' '))}"
        for entry in handoff.audit[-HISTORY_SHOWN:]
    ]
    if history:
        blocks.append(kit.context("\n".join(history)))
    return blocks


def list_blocks(
    title: str, handoffs: Sequence[Handoff], playbook: Playbook, *, now: datetime,
) -> list[kit.Block]:
    """`/handoff mine` and `/handoff overdue`: one line per handoff with what is due when."""
    blocks = [kit.section(f"*{literal(title)}* ({len(handoffs)})")]
    if not handoffs:
        return [*blocks, kit.context("Nothing here. 🎉")]
    lines = []
    for h in handoffs:
        due = next_due(h, playbook)
        when = f" · {due.label.lower()}: {countdown(due, now)}" if due is not None else ""
        account, name = (literal(" ".join(s.split())) for s in (h.deal.account, h.deal.name))
        lines.append(f"• *{account}* ({name}) · {STATUS_WORDS[h.status]}{when}")
    texts = kit.pack_lines(lines)
    room = kit.MESSAGE_BLOCKS_MAX - len(blocks) - 1
    blocks += [kit.section(text) for text in texts[:room]]
    if len(texts) > room:
        shown = sum(text.count("\n") + 1 for text in texts[:room])
        blocks.append(kit.context(f"…and {len(handoffs) - shown} more."))
    return blocks


_COLUMNS = ("group", "n", "complete", "submit", "accept", "touch", "escal.", "overr.", "breach", "rating")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}h"


def _row(m: Metrics, width: int) -> str:
    group = escape_mrkdwn(m.group).replace("`", "'")
    name = group if len(group) <= width else group[: width - 1] + "…"
    rating = "–" if m.avg_rating is None else f"{m.avg_rating:.1f}"
    cells = (
        f"{m.handoffs}", _pct(m.completion_rate), _hours(m.hours_to_submit), _hours(m.hours_to_accept),
        _hours(m.hours_to_first_touch), _pct(m.escalation_rate), _pct(m.override_rate), f"{m.sla_breaches}", rating,
    )
    flag = " ⚠️" if m.red_flags else ""
    return f"{name:<{width}} " + " ".join(f"{c:>8}" for c in cells) + flag


def metrics_blocks(rows: Sequence[Metrics], period_label: str) -> list[kit.Block]:
    """The metrics as a fixed-width table (one code block per 3,000 characters), then red flags."""
    blocks = [kit.header(f"Handoff metrics: {period_label}")]
    if not rows:
        return [*blocks, kit.section("No handoffs in this period.")]
    width = min(max(len(escape_mrkdwn(r.group)) for r in rows), 28)
    head = f"{_COLUMNS[0]:<{width}} " + " ".join(f"{c:>8}" for c in _COLUMNS[1:])
    fence = "```"
    per_block = kit.SECTION_TEXT_MAX - len(head) - 2 * len(fence) - 4
    for chunk in kit.pack_lines([_row(m, width) for m in rows], limit=per_block):
        blocks.append(kit.section(f"{fence}{head}\n{chunk}{fence}"))
    flags = [f"⚠️ *{literal(m.group)}*: {'; '.join(m.red_flags)}" for m in rows if m.red_flags]
    blocks += [kit.section(text) for text in kit.pack_lines(flags)]
    blocks.append(kit.context("Hours are medians; rates are shares of submitted handoffs."))
    if len(blocks) > kit.MESSAGE_BLOCKS_MAX:
        blocks = [*blocks[: kit.MESSAGE_BLOCKS_MAX - 1], kit.context("…cut to fit one message.")]
    return blocks
