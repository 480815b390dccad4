"""The App Home tab: each person's queue (core/presentation/queue.py) rendered as Block Kit.

Groups come in the order of urgency for the viewer; each shows at most its `limit` items and
says how many more there are, which keeps the tab under Slack's 100 blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.slack import ids
from bot.slack.escape import literal, truncate
from bot.slack.views import kit, timing
from bot.slack.views.fmt import STATUS_WORDS, mention, mention_actor
from core.handoff import Handoff
from core.machine import Status
from core.playbook import Playbook
from core.presentation.due import plan_due
from core.presentation.queue import QueueItem, finished_at, queue_for
from core.sla import SlaPlanner

REASON_MAX = 120


def home_view(
    *, user_email: str, handoffs: Sequence[Handoff], playbook: Playbook, user_ids: Mapping[str, str],
    now: datetime, is_manager: bool = False,
) -> kit.Block:
    """The Home tab for `user_email`; managers also see exceptions waiting on a decision."""
    planner = SlaPlanner(playbook)
    groups = queue_for(user_email, handoffs, due_of=lambda h: plan_due(h, planner), is_manager=is_manager)
    blocks = [kit.header("Your handoffs")]
    if not groups:
        blocks += [
            kit.section("🎉 *Nothing needs you right now.* When a deal closes, its handoff shows up here."),
            kit.context("Type `/handoff help` in any channel to see what Baton can do."),
        ]
        return {"type": "home", "blocks": blocks}
    for group in groups:
        blocks.append(kit.header(group.title))
        for item in group.items[: group.limit]:
            handoff = item.handoff
            button = kit.button("Open", ids.OPEN_HOME_HANDOFF, ids.Ref(h=handoff.id).dumps())
            text = _line(group.key, item, user_ids, now)
            block_id = truncate(f"home.{group.key}.{handoff.id}", 255)
            blocks.append(kit.section(text, block_id=block_id, accessory=button))
        if group.hidden:
            blocks.append(kit.context(f"…and {group.hidden} more. `/handoff mine` lists them all."))
        blocks.append(kit.divider())
    return {"type": "home", "blocks": blocks[: kit.MODAL_BLOCKS_MAX]}


def queue_blocks(
    *, user_email: str, handoffs: Sequence[Handoff], playbook: Playbook, user_ids: Mapping[str, str],
    now: datetime, is_manager: bool = False,
) -> list[kit.Block]:
    """`/handoff mine`: the same queue as the Home tab, every item waiting on the person (no
    "recently done"), as one message within Slack's 50 blocks."""
    planner = SlaPlanner(playbook)
    groups = [g for g in queue_for(user_email, handoffs, due_of=lambda h: plan_due(h, planner),
                                   is_manager=is_manager) if g.key != "done"]
    waiting = sum(len(g.items) for g in groups)
    blocks = [kit.section(f"*Waiting on you* ({waiting})")]
    if not groups:
        return [*blocks, kit.context("Nothing needs you right now. 🎉")]
    for group in groups:
        lines = [_line(group.key, item, user_ids, now).replace("\n", " · ", 1) for item in group.items]
        blocks += [kit.section(f"*{literal(group.title)}* ({len(group.items)})")]
        blocks += [kit.section(text) for text in kit.pack_lines([f"• {line}" for line in lines])]
    if len(blocks) > kit.MESSAGE_BLOCKS_MAX:
        blocks = [*blocks[: kit.MESSAGE_BLOCKS_MAX - 1], kit.context("…and more: the Home tab lists them by group.")]
    return blocks


def _line(key: str, item: QueueItem, user_ids: Mapping[str, str], now: datetime) -> str:
    h, due = item.handoff, item.due
    title = f"*{literal(h.deal.account)}* · {literal(h.deal.name)}"
    countdown = f" · {timing.countdown(due, now)}" if due is not None else ""
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
    return f"{title}\n{STATUS_WORDS[h.status]} {timing.slack_date(finished_at(h))}"
