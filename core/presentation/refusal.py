"""Why Baton said no, in words for the person who asked; Slack and Teams only escape and show it.

People outside a handoff are told who may act by role, never by address: a CSM's email is the
handoff's business, not everyone's in the channel where the card sits.
"""

from __future__ import annotations

from core.errors import BatonError, HandoffNotFound, NotPermitted, TransitionNotAllowed
from core.handoff import Handoff
from core.people import Actor, Role

ACTION_WORDS = {
    "approve_override": "approve this exception", "deny_override": "deny this exception",
    "accept": "accept this handoff", "escalate": "send this handoff back", "submit": "submit this packet",
    "request_override": "ask for an exception", "close": "close this handoff", "cancel": "cancel this handoff",
}
NOT_FOUND = ("I can't find that handoff any more (it may have been removed). Nothing was changed. "
             "`/handoff status <deal or account>` shows where things stand.")
CSM_ACTIONS = frozenset({"accept", "escalate"})


def is_party(handoff: Handoff, actor: Actor) -> bool:
    """The AE, the CSM, the owner, managers and RevOps: the people a handoff's details are for."""
    return (handoff.ae.matches(actor) or handoff.csm.matches(actor) or handoff.owner.matches(actor)
            or actor.is_manager or Role.REVOPS in actor.roles)


def refusal(exc: BatonError, *, handoff: Handoff | None = None, actor: Actor | None = None) -> str:
    """One sentence (plain text) for a refused request. With the handoff and the asker, a party
    to the handoff who clicked the CSM's button is also told which CSM it is for."""
    if isinstance(exc, NotPermitted):
        action = ACTION_WORDS.get(exc.action, exc.action.replace("_", " "))
        text = f"You can't {action}: {exc.reason}."
        if handoff is not None and actor is not None and exc.action in CSM_ACTIONS and is_party(handoff, actor):
            text += f" This one is for {handoff.csm.email}."
        return text
    if isinstance(exc, TransitionNotAllowed):
        return f"Nothing to do: this handoff is already {exc.status.replace('_', ' ')}."
    if isinstance(exc, HandoffNotFound):
        return NOT_FOUND
    return str(exc)
