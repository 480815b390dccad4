"""Who hears about each domain event and what they are told, as plain text.

Pure functions of the event and the handoff, so every adapter (the demo's terminal now, Slack
and Teams renderers later) agrees on the audience and the substance of each message.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import events as ev
from core.handoff import Handoff
from core.playbook import Playbook


@dataclass(frozen=True)
class Notice:
    to: str  # "ae", "csm", "managers" or "channel"
    text: str


def notices_for(event: ev.Event, handoff: Handoff, playbook: Playbook) -> list[Notice]:
    deal = handoff.deal
    title = f"{deal.account}: {deal.name}"
    labels = {f.id: f.label for f in playbook.fields}

    def names(ids: tuple[str, ...]) -> str:
        return ", ".join(labels.get(i, i) for i in ids) or "nothing listed"

    match event:
        case ev.HandoffOpened():
            seg = playbook.segment(handoff.segment).label
            return [
                Notice("csm", f"New handoff coming your way: {title} ({seg}, {deal.currency} {deal.amount:,}). "
                              f"{deal.ae_email} is preparing the packet."),
                Notice("ae", f"{title} closed. Fill the handoff packet for {handoff.csm.email}; "
                             f"{len(handoff.missing_fields())} required fields to go."),
            ]
        case ev.PacketSubmitted(overridden=True):
            return [Notice("csm", f"Packet for {title} arrives with a manager's exception "
                                  f"(missing: {names(handoff.missing_fields())}). Accept or escalate.")]
        case ev.PacketSubmitted(resubmission=True):
            return [Notice("csm", f"{handoff.ae.email} fixed and resubmitted the packet for {title}. "
                                  "Accept or escalate.")]
        case ev.PacketSubmitted():
            return [Notice("csm", f"The packet for {title} is complete. Read the brief, then Accept or Escalate.")]
        case ev.OverrideRequested(reason=reason, missing=missing):
            return [Notice("managers", f"{handoff.ae.email} asks to submit {title} without {names(missing)}: "
                                       f"\u201c{reason}\u201d. Approve or Deny.")]
        case ev.OverrideApproved(actor_id=who, note=note):
            return [Notice("ae", f"{who} approved the exception for {title}. {note}".strip())]
        case ev.OverrideDenied(actor_id=who, note=note):
            return [Notice("ae", f"{who} denied the exception for {title}: fill the missing fields. {note}".strip())]
        case ev.HandoffEscalated(fields=fields, reason=reason):
            return [Notice("ae", f"{handoff.csm.email} sent {title} back. Needs work: {names(fields)}. "
                                 f"\u201c{reason}\u201d")]
        case ev.OwnershipFlipped(from_email=old, to_email=new):
            return [Notice("channel", f"{new} accepted {title}. Ownership moved from {old} to {new}; "
                                      "the packet is now read-only for sales.")]
        case ev.HandoffCancelled(reason=reason):
            return [Notice("channel", f"The handoff for {title} was cancelled. {reason}".strip())]
        case ev.HandoffPutOnHold(reason=reason):
            return [Notice("channel", f"The handoff for {title} is on hold: {reason} Nobody is reminded "
                                      "until the deal closes again; the packet is kept.")]
        case ev.HandoffResumed(stage=stage):
            return [Notice("channel", f"The deal for {title} is {stage} again: the handoff resumes where it "
                                      "was, packet intact. Submit it when it is ready.")]
        case ev.CrmNoted(message=message):
            return [Notice("managers", f"CRM, {title}: {message}")]
        case ev.CsmReassigned(to_email=new):
            return [Notice("csm", f"{title} was reassigned to you ({new}).")]
        case ev.MilestoneRecorded(milestone=m):
            return [Notice("channel", f"{handoff.csm.email} recorded {m.replace('_', ' ')} for {title}.")]
        case ev.SlaBreached(timer=timer):
            return [Notice("managers", f"SLA missed on {title}: {timer.replace('_', ' ')}.")]
        case _:
            return []
