"""Messages posted in a handoff's thread: exception requests and decisions, send-backs, the flip.

An override request is one message: posted with Approve / Deny, then updated in place with the
decision and no buttons, so the thread keeps the whole story and nobody decides twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.slack import ids
from bot.slack.escape import literal
from bot.slack.views import kit
from bot.slack.views.fmt import STATUS_WORDS, field_labels, mention, mention_actor, quote
from bot.slack.views.packet import flagged_ref
from bot.slack.views.timing import next_due, slack_date
from core.handoff import Escalation, Handoff, OverrideRequest
from core.playbook import Playbook

OVERRIDE_ACTIONS_BLOCK = "baton.override.actions"
ESCALATION_ACTIONS_BLOCK = "baton.escalation.actions"
FLIP_ACTIONS_BLOCK = "baton.flip.actions"


def _bullets(playbook: Playbook, field_ids: tuple[str, ...]) -> str:
    return "\n".join(f"• {literal(label)}" for label in field_labels(playbook, field_ids))


def _request_body(
    handoff: Handoff, playbook: Playbook, request: OverrideRequest, user_ids: Mapping[str, str],
) -> list[kit.Block]:
    who = mention_actor(request.requested_by, user_ids)
    csm = mention(handoff.csm, user_ids)
    blocks = [
        kit.section(
            f"🙋 {who} asks for an exception: send the *{literal(handoff.deal.account)}* packet "
            f"to {csm} without every required field."
        ),
        kit.section(f"*Why*\n{quote(request.reason)}"),
    ]
    if request.missing:
        blocks.append(kit.section(f"*Missing*\n{_bullets(playbook, request.missing)}"))
    return blocks


def override_request_blocks(
    handoff: Handoff, playbook: Playbook, request: OverrideRequest, *, user_ids: Mapping[str, str],
) -> list[kit.Block]:
    """The question to managers, with Approve / Deny."""
    due = next_due(handoff, playbook)  # the planner's, business hours included
    when = f"A decision is due {slack_date(due.at)}. " if due is not None and due.timer == "override_decision_due" else ""
    value = ids.Ref(h=handoff.id).dumps()
    return [
        *_request_body(handoff, playbook, request, user_ids),
        kit.context(f"{when}Any sales or CS manager other than the deal's AE can decide."),
        kit.actions([
            kit.button("Approve", ids.APPROVE_OVERRIDE, value, style="primary"),
            kit.button("Deny", ids.DENY_OVERRIDE, value, style="danger"),
        ], block_id=OVERRIDE_ACTIONS_BLOCK),
    ]


def override_decided_blocks(
    handoff: Handoff, playbook: Playbook, request: OverrideRequest, *, user_ids: Mapping[str, str],
) -> list[kit.Block]:
    """The same message once decided: the decision in place of the buttons."""
    if request.approved is None:
        outcome = f"No longer waiting on a decision: {STATUS_WORDS[handoff.status].lower()}."
    else:
        verb = "✅ Approved" if request.approved else "❌ Denied"
        by = mention_actor(request.decided_by or "", user_ids)
        when = f" {slack_date(request.decided_at)}" if request.decided_at else ""
        note = f": {literal(request.note)}" if request.note else ""
        outcome = f"{verb} by {by}{when}{note}"
    return [*_request_body(handoff, playbook, request, user_ids), kit.context(outcome)]


def escalation_blocks(
    handoff: Handoff, playbook: Playbook, escalation: Escalation, *, user_ids: Mapping[str, str],
) -> list[kit.Block]:
    """For the AE: what the CSM sent back and why, and a button straight to the flagged fields."""
    ae, by = mention(handoff.ae, user_ids), mention_actor(escalation.by, user_ids)
    blocks = [kit.section(f"↩️ {ae}, {by} sent the *{literal(handoff.deal.account)}* packet back.")]
    if escalation.fields:
        blocks.append(kit.section(f"*Fields to fix*\n{_bullets(playbook, escalation.fields)}"))
    if escalation.reason:
        blocks.append(kit.section(f"*Why*\n{quote(escalation.reason)}"))
    ref = flagged_ref(handoff.id, flag=escalation.fields)
    blocks.append(kit.actions(
        [kit.button("Fix the packet", ids.FILL_PACKET, ref.dumps(), style="primary")],
        block_id=ESCALATION_ACTIONS_BLOCK,
    ))
    return blocks


def flip_announcement(handoff: Handoff, *, user_ids: Mapping[str, str]) -> list[kit.Block]:
    """Ownership moved: a named event with a person on both sides."""
    csm, ae = mention(handoff.csm, user_ids), mention(handoff.ae, user_ids)
    when = f" {slack_date(handoff.accepted_at)}" if handoff.accepted_at else ""
    return [
        kit.section(f"🤝 *{literal(handoff.deal.account)}* now belongs to {csm}. {ae} handed it over{when}."),
        kit.context("The packet is read-only for sales from here; comments are still welcome in this thread."),
        kit.actions(
            [kit.button("View packet", ids.VIEW_PACKET, ids.Ref(h=handoff.id).dumps())],
            block_id=FLIP_ACTIONS_BLOCK,
        ),
    ]
