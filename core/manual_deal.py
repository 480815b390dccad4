"""A deal typed in by hand (`/handoff open` in Slack, `@Baton open` in Teams) when no CRM webhook
is wired up: what is checked and the Deal it becomes are decided here once, so both platforms
refuse the same input with the same words; each adapter only reads its form and shows the
errors under its own fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from core.deal import Deal
from core.playbook import Playbook

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY")
NAME_MAX = 200
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# Error keys: the DealEntry field each message belongs under.
DEAL_ID, NAME, ACCOUNT, AMOUNT, CURRENCY = "deal_id", "name", "account", "amount", "currency"
CLOSE_DATE, AE_EMAIL, CSM_EMAIL, SEGMENT = "close_date", "ae_email", "csm_email", "segment"


@dataclass(frozen=True)
class DealEntry:
    """What a person typed, still raw (the amount as text, people as emails)."""

    deal_id: str = ""
    name: str = ""
    account: str = ""
    amount: str | None = None
    currency: str = "USD"
    close_date: str | None = None
    ae_email: str | None = None
    csm_email: str | None = None
    segment: str | None = None


def _amount(raw: str | None) -> Decimal | None:
    try:
        amount = Decimal(str(raw or "").replace(",", "").strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _close_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def deal_from_entry(entry: DealEntry, *, playbook: Playbook, now: datetime) -> tuple[dict[str, str], Deal | None]:
    """(errors by field, None) or ({}, the Deal) at the playbook's trigger stage.

    No close date means now; a date closes at noon UTC, so it is the same day everywhere."""
    errors: dict[str, str] = {}
    for key, value, label in ((DEAL_ID, entry.deal_id, "deal id"), (NAME, entry.name, "deal name"),
                              (ACCOUNT, entry.account, "account")):
        if not value.strip():
            errors[key] = f"The {label} is required."
        elif len(value.strip()) > NAME_MAX:
            errors[key] = f"The {label} is longer than {NAME_MAX} characters."
    amount = _amount(entry.amount)
    if amount is None:
        errors[AMOUNT] = "Enter the amount as a number of zero or more."
    if entry.currency not in CURRENCIES:
        errors[CURRENCY] = "Pick one of " + ", ".join(CURRENCIES) + "."
    closed_on = _close_date(entry.close_date)
    if entry.close_date and closed_on is None:
        errors[CLOSE_DATE] = "Enter the close date as YYYY-MM-DD."
    ae_email, csm_email = (entry.ae_email or "").strip(), (entry.csm_email or "").strip()
    if not ae_email:
        errors[AE_EMAIL] = "The AE is required."
    elif not _EMAIL.match(ae_email):
        errors[AE_EMAIL] = "The AE must be an email address, like ana@example.com."
    if csm_email and not _EMAIL.match(csm_email):
        errors[CSM_EMAIL] = "The CSM must be an email address, like carl@example.com (or leave it empty)."
    if entry.segment and entry.segment not in {s.id for s in playbook.segments}:
        errors[SEGMENT] = "Pick one of the playbook's segments (or leave it empty)."
    if errors or amount is None:
        return errors, None
    closed_at = datetime.combine(closed_on, time(12), tzinfo=UTC) if closed_on else now
    return {}, Deal(
        id=entry.deal_id.strip(), name=entry.name.strip(), account=entry.account.strip(), amount=amount,
        currency=entry.currency, stage=playbook.trigger_stages[0], closed_at=closed_at,
        ae_email=ae_email, csm_email=csm_email or None,
        segment=entry.segment or None,
    )
