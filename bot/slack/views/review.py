"""The last screen of the packet modal when required fields are still empty.

It says what is missing and offers the two honest ways on: go back and fill them, or ask a
manager for an exception. The draft is already saved, so closing it loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.slack import ids
from bot.slack.escape import escape_mrkdwn
from bot.slack.views import kit
from bot.slack.views.packet import packet_steps
from core.handoff import Handoff
from core.playbook import Playbook


def review_modal(handoff: Handoff, playbook: Playbook, *, missing: Sequence[str]) -> kit.Block:
    labels = [escape_mrkdwn(playbook.field(f).label) for f in missing]
    last = len(packet_steps(playbook)) - 1
    blocks = [
        kit.section(f"*Saved as a draft.* {len(labels)} required field(s) are still empty:"),
        *[kit.section(text) for text in kit.pack_lines([f"• {label}" for label in labels])],
        kit.actions(
            [
                kit.button("← Back", ids.PACKET_BACK, ids.Ref(h=handoff.id, step=last + 1).dumps()),
                kit.button("Ask a manager to override", ids.REQUEST_OVERRIDE, ids.Ref(h=handoff.id).dumps()),
            ],
            block_id="review_actions",
        ),
        kit.context("Submit from the handoff card once everything is filled."),
    ]
    return kit.modal(
        title="Packet not complete", blocks=blocks, callback_id="baton.packet_review",
        private_metadata=ids.Ref(h=handoff.id).dumps(), close="Close",
    )


def submitted_modal(handoff: Handoff) -> kit.Block:
    text = f"*Submitted.* {escape_mrkdwn(handoff.csm.email)} has the brief and will accept or escalate."
    return kit.modal(title="Packet submitted", blocks=[kit.section(text)], callback_id="baton.packet_done",
                     close="Done")
