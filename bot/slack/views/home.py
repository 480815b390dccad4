"""The App Home tab: each person's handoffs, grouped by what they must do next.

Groups come in the order of urgency for the viewer; each shows at most `GROUP_MAX` items and
says how many more there are, which keeps the tab under Slack's 100 blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.slack import ids
from bot.slack.escape import literal, truncate
from bot.slack.views import kit
from bot.slack.views.fmt import STATUS_WORDS, mention, mention_actor
from bot.slack.views.timing import PRE_SUBMISSION, next_due, slack_date
from core.handoff import Handoff
from core.machine import Status
from core.playbook import Playbook

GROUP_MAX = 15
RECENT_MAX = 5
REASON_MAX = 120
_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Group:
    key: str
    title: str
    items: list[Handoff]
    limit: int = GROUP_MAX


def home_view(
    *, user_email: str, handoffs: Sequence[Handoff], playbook: Playbook, user_ids: Mapping[str, str],
    now: datetime, is_manager: bool = False,
) -> kit.Block:
    """The Home tab for `user_email`; managers also see exceptions waiting on a decision."""
    groups = [g for g in _groups(user_email.strip().lower(), handoffs, playbook, is_manager) if g.items]
    blocks = [kit.header("Your handoffs")]
    if not groups:
        blocks += [
            kit.section("🎉 *Nothing needs you right now.* When a deal closes, its handoff shows up here."),
            kit.context("Type `/handoff help` in any channel to see what Baton can do."),
        ]
        return {"type": "home", "blocks": blocks}
    for group in groups:
        blocks.append(kit.header(group.title))
        for handoff in group.items[: group.limit]:
            button = kit.button("Open", ids.OPEN_HOME_HANDOFF, ids.Ref(h=handoff.id).dumps())
            text = _line(group.key, handoff, playbook, user_ids, now)
            block_id = truncate(f"home.{group.key}.{handoff.id}", 255)
            blocks.append(kit.section(text, block_id=block_id, accessory=button))
        hidden = len(group.items) - group.limit
        if hidden > 0:
            blocks.append(kit.context(f"…and {hidden} more. `/handoff mine` lists them all."))
        blocks.append(kit.divider())
    return {"type": "home", "blocks": blocks[: kit.MODAL_BLOCKS_MAX]}


def _groups(me: str, handoffs: Sequence[Handoff], playbook: Playbook, is_manager: bool) -> list[_Group]:
    def as_ae(h: Handoff) -> bool:
        return h.ae.email.lower() == me

    def as_csm(h: Handoff) -> bool:
        return h.csm.email.lower() == me

    def due_at(h: Handoff) -> datetime:
        due = next_due(h, playbook)
        return due.at if due is not None and due.at is not None else _NEVER

    fill = [h for h in handoffs if as_ae(h) and h.status in PRE_SUBMISSION]
    fill.sort(key=lambda h: (h.status is not Status.ESCALATED, due_at(h)))  # sent back first
    accept = sorted((h for h in handoffs if as_csm(h) and h.status is Status.SUBMITTED), key=due_at)
    decide = sorted(
        (h for h in handoffs if is_manager and h.status is Status.OVERRIDE_REQUESTED and not as_ae(h)),
        key=due_at,
    )
    follow = sorted(
        (h for h in handoffs if as_csm(h) and h.status is Status.ACCEPTED and h.milestones.first_touch_at is None),
        key=due_at,
    )
    listed = {h.id for h in (*fill, *accept, *decide, *follow)}
    done = [
        h for h in handoffs
        if (as_ae(h) or as_csm(h)) and h.status in (Status.ACCEPTED, Status.CLOSED) and h.id not in listed
    ]
    done.sort(key=_finished_at, reverse=True)
    return [
        _Group("fill", "Fill the packet", fill),
        _Group("accept", "Accept or escalate", accept),
        _Group("decide", "Decide an exception", decide),
        _Group("follow", "Follow up", follow),
        _Group("done", "Recently done", done, RECENT_MAX),
    ]


def _finished_at(h: Handoff) -> datetime:
    return h.ended_at or h.accepted_at or h.opened_at


def _line(key: str, h: Handoff, playbook: Playbook, user_ids: Mapping[str, str], now: datetime) -> str:
    title = f"*{literal(h.deal.account)}* · {literal(h.deal.name)}"
    due = next_due(h, playbook)
    countdown = f" · {due.countdown(now)}" if due is not None else ""
    if key == "fill":
        required = len(h.required_fields)
        filled = required - len(h.missing_fields())
        detail = f"{filled} of {required} required fields filled{countdown}"
        if h.status is Status.ESCALATED and h.escalations:
            reason = h.escalations[-1].reason
            detail = f"↩️ Sent back{': ' + literal(truncate(reason, REASON_MAX)) if reason else ''}\n{detail}"
        return f"{title}\n{detail}"
    if key == "accept":
        return f"{title}\nFrom {mention(h.ae, user_ids)}: accept or send it back{countdown}"
    if key == "decide":
        who = mention_actor(h.pending_override.requested_by, user_ids) if h.pending_override else "The AE"
        return f"{title}\n{who} asks to send it incomplete{countdown}"
    if key == "follow":
        return f"{title}\nRecord your first customer touch{countdown}"
    return f"{title}\n{STATUS_WORDS[h.status]} {slack_date(_finished_at(h))}"
