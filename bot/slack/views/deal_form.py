"""`/handoff open`: a deal typed in by hand when no CRM webhook is wired up.

The form returns Slack user ids for the AE and CSM; the listener resolves them to emails
(users.info) before building the Deal, since the core knows people by email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    DatePickerElement,
    NumberInputElement,
    PlainTextInputElement,
    StaticSelectElement,
    UserSelectElement,
)

from bot.slack import ids
from bot.slack.escape import literal
from bot.slack.views import kit
from bot.slack.views.state import StateValues, value_of
from core.deal import Deal
from core.manual_deal import CURRENCIES
from core.playbook import Playbook

DEAL_ID_BLOCK = "open_deal.id"
DEAL_NAME_BLOCK = "open_deal.name"
ACCOUNT_BLOCK = "open_deal.account"
AMOUNT_BLOCK = "open_deal.amount"
CURRENCY_BLOCK = "open_deal.currency"
CLOSE_DATE_BLOCK = "open_deal.close_date"
AE_BLOCK = "open_deal.ae"
CSM_BLOCK = "open_deal.csm"
SEGMENT_BLOCK = "open_deal.segment"
NAME_MAX = 200


@dataclass(frozen=True)
class OpenDealForm:
    """What was typed into the open-deal modal, still raw: amount as text, people as Slack ids."""

    deal_id: str
    name: str
    account: str
    amount: str | None
    currency: str
    close_date: str | None
    ae_user: str | None
    csm_user: str | None
    segment: str | None


def _text(block_id: str, label: str, initial: str = "", *, max_length: int = NAME_MAX) -> kit.Block:
    element = PlainTextInputElement(
        action_id=ids.VALUE_ACTION, initial_value=initial[:max_length] or None, max_length=max_length,
    )
    return kit.input_block(label, element, block_id=block_id, optional=False)


def open_deal_modal(playbook: Playbook, *, deal_id: str = "", today: date | None = None) -> kit.Block:
    """The form behind `/handoff open [deal id]`."""
    usd = kit.option("USD", "USD")
    segments = [kit.option(s.label, s.id) for s in playbook.segments][: kit.OPTIONS_MAX]
    blocks = [
        _text(DEAL_ID_BLOCK, "CRM deal id", deal_id, max_length=kit.OPTION_VALUE_MAX),
        _text(DEAL_NAME_BLOCK, "Deal name"),
        _text(ACCOUNT_BLOCK, "Account (customer)"),
        kit.input_block(
            "Amount", NumberInputElement(action_id=ids.VALUE_ACTION, is_decimal_allowed=True, min_value="0"),
            block_id=AMOUNT_BLOCK, optional=False,
        ),
        kit.input_block(
            "Currency",
            StaticSelectElement(
                action_id=ids.VALUE_ACTION, options=[kit.option(c, c) for c in CURRENCIES], initial_option=usd,
            ),
            block_id=CURRENCY_BLOCK, optional=False,
        ),
        kit.input_block(
            "Close date",
            DatePickerElement(action_id=ids.VALUE_ACTION, initial_date=today.isoformat() if today else None),
            block_id=CLOSE_DATE_BLOCK, optional=False,
        ),
        kit.input_block(
            "Account executive (AE)", UserSelectElement(action_id=ids.VALUE_ACTION),
            block_id=AE_BLOCK, optional=False,
        ),
        kit.input_block(
            "CSM", UserSelectElement(action_id=ids.VALUE_ACTION), block_id=CSM_BLOCK, optional=True,
            hint="Leave empty and Baton picks the least-loaded CSM of the segment's pool.",
        ),
        kit.input_block(
            "Segment", StaticSelectElement(action_id=ids.VALUE_ACTION, options=segments),
            block_id=SEGMENT_BLOCK, optional=True,
            hint="Leave empty and Baton routes the deal by its amount.",
        ),
    ]
    return kit.modal(
        title="Open a handoff", blocks=blocks, callback_id=ids.OPEN_DEAL_FORM, submit="Open", close="Cancel",
    )


def opened_modal(deal: Deal, *, created: bool) -> kit.Block:
    """What the opener sees once the form is accepted (the handoff itself is set up shortly)."""
    if created:
        text = (f"*Handoff opened* for {literal(deal.account)} (deal {literal(deal.id)}). The AE gets the packet "
                "to fill and the CSM hears about it in a moment.")
    else:
        text = f"*Already open:* deal {literal(deal.id)} has a handoff, so Baton did not open a second one."
    return kit.modal(title="Handoff opened" if created else "Already open", blocks=[kit.section(text)],
                     callback_id="baton.deal_opened", close="Done")


def read_open_deal_form(state_values: StateValues) -> OpenDealForm:
    def text(block_id: str) -> str:
        return str(value_of(state_values, block_id) or "").strip()

    return OpenDealForm(
        deal_id=text(DEAL_ID_BLOCK), name=text(DEAL_NAME_BLOCK), account=text(ACCOUNT_BLOCK),
        amount=value_of(state_values, AMOUNT_BLOCK), currency=value_of(state_values, CURRENCY_BLOCK) or "USD",
        close_date=value_of(state_values, CLOSE_DATE_BLOCK), ae_user=value_of(state_values, AE_BLOCK),
        csm_user=value_of(state_values, CSM_BLOCK), segment=value_of(state_values, SEGMENT_BLOCK),
    )
