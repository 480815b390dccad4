"""`@Baton open [deal id]`: a deal typed in by hand, in a dialog, when no CRM webhook is wired up
(Slack's `/handoff open`). A bot cannot open a dialog from a message, so the command answers
with a card whose button opens it (an Action.Submit asking Teams for `task/fetch`).

What is checked and the Deal it becomes are core/manual_deal's; this module draws the form,
reads it back and shows each error under its field with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from bot.teams.cards import Button, text, universal_card
from bot.teams.dialogs import ERROR_COLOR, card, submit
from bot.teams.services import TeamsApp
from core import commands as c
from core import manual_deal as md
from core.errors import BatonError
from core.people import Actor
from core.playbook import Playbook
from core.presentation.refusal import refusal

OPEN_DEAL = "open_deal"  # the button's verb and the dialog's name
DEAL_ID_MAX = 150
TITLE = "Open a handoff"


def open_prompt(deal_id: str = "") -> dict[str, Any]:
    """The answer to `@Baton open`: one button that opens the form."""
    data = {"deal_id": deal_id[:DEAL_ID_MAX]} if deal_id else {}
    return universal_card(
        [text("Open a handoff by hand, for a deal your CRM does not send to Baton.")],
        [Button("Open a handoff", OPEN_DEAL, data, "positive", dialog=True)])


def _input(key: str, label: str, value: Any, *, required: bool, **extra: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "Input.Text", "id": key, "label": label, "isRequired": required, **extra}
    if value not in (None, ""):
        element["value"] = value
    return element


def deal_dialog(playbook: Playbook, *, today: str, typed: Mapping[str, Any],
                errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The form, filled with `typed` (the deal id from the command, the asker as the AE, or what
    was just submitted), each error under its field."""
    def value(key: str) -> Any:
        return typed.get(key) or None

    fields: list[tuple[str, dict[str, Any], str | None]] = [
        (md.DEAL_ID, _input(md.DEAL_ID, "CRM deal id", value(md.DEAL_ID), required=True, maxLength=DEAL_ID_MAX), None),
        (md.NAME, _input(md.NAME, "Deal name", value(md.NAME), required=True, maxLength=md.NAME_MAX), None),
        (md.ACCOUNT, _input(md.ACCOUNT, "Account (customer)", value(md.ACCOUNT), required=True,
                            maxLength=md.NAME_MAX), None),
        (md.AMOUNT, _input(md.AMOUNT, "Amount", value(md.AMOUNT), required=True), None),
        (md.CURRENCY, {"type": "Input.ChoiceSet", "id": md.CURRENCY, "label": "Currency", "style": "compact",
                       "isRequired": True, "value": value(md.CURRENCY) or "USD",
                       "choices": [{"title": c_, "value": c_} for c_ in md.CURRENCIES]}, None),
        (md.CLOSE_DATE, {"type": "Input.Date", "id": md.CLOSE_DATE, "label": "Close date", "isRequired": True,
                         "value": value(md.CLOSE_DATE) or today}, None),
        (md.AE_EMAIL, _input(md.AE_EMAIL, "Account executive (AE), by email", value(md.AE_EMAIL), required=True,
                             style="Email"), None),
        (md.CSM_EMAIL, _input(md.CSM_EMAIL, "CSM, by email", value(md.CSM_EMAIL), required=False, style="Email"),
         "Leave empty and Baton picks the least-loaded CSM of the segment's pool."),
        (md.SEGMENT, {"type": "Input.ChoiceSet", "id": md.SEGMENT, "label": "Segment", "style": "compact",
                      "isRequired": False, "value": value(md.SEGMENT) or "",
                      "choices": [{"title": s.label, "value": s.id} for s in playbook.segments]},
         "Leave empty and Baton routes the deal by its amount."),
    ]
    body: list[dict[str, Any]] = [text(TITLE, weight="Bolder")]
    for key, element, hint in fields:
        body.append(element)
        if hint:
            body.append(text(hint, isSubtle=True, size="Small", spacing="None"))
        if errors and key in errors:
            body.append(text(errors[key], color=ERROR_COLOR, size="Small", spacing="None"))
    return card(body, [submit("Open", {"dialog": OPEN_DEAL}, style="positive")])


def read_entry(data: Mapping[str, Any]) -> md.DealEntry:
    """The submitted form (Teams sends every input as a string; an untouched optional one not at all)."""
    def raw(key: str) -> str:
        return str(data.get(key) or "").strip()

    return md.DealEntry(deal_id=raw(md.DEAL_ID), name=raw(md.NAME), account=raw(md.ACCOUNT),
                        amount=raw(md.AMOUNT) or None, currency=raw(md.CURRENCY) or "USD",
                        close_date=raw(md.CLOSE_DATE) or None, ae_email=raw(md.AE_EMAIL) or None,
                        csm_email=raw(md.CSM_EMAIL) or None, segment=raw(md.SEGMENT) or None)


def first_form(app: TeamsApp, data: Mapping[str, Any], actor: Actor) -> tuple[str, dict[str, Any]]:
    """The form as the button opens it: the command's deal id, the asker as the AE."""
    typed = {md.DEAL_ID: str(data.get("deal_id") or ""), md.AE_EMAIL: actor.email or ""}
    return TITLE, deal_dialog(app.playbook, today=app.clock.now().date().isoformat(), typed=typed)


async def submitted(app: TeamsApp, data: Mapping[str, Any], actor: Actor) -> tuple[str, dict[str, Any]] | str:
    """The form again with its errors, or the closing message once the handoff is open."""
    entry = read_entry(data)
    errors, deal = md.deal_from_entry(entry, playbook=app.playbook, now=app.clock.now())
    if deal is None:
        typed = {k: v for k, v in asdict(entry).items() if v is not None}
        return TITLE, deal_dialog(app.playbook, today=app.clock.now().date().isoformat(), typed=typed, errors=errors)
    try:
        opened = await app.run(app.service.open_handoff, c.OpenHandoff(deal=deal, actor=actor))
    except BatonError as exc:
        return refusal(exc)
    if not opened.created:
        return f"Already open: deal {deal.id} has a handoff, so Baton did not open a second one."
    return (f"Handoff opened for {deal.account} (deal {deal.id}). The AE gets the packet to fill and the CSM "
            "hears about it in a moment.")
