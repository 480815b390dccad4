"""How Baton writes people, money, states and packet values in Slack mrkdwn.

Everything here returns mrkdwn that is safe to drop into a text object: user-provided parts are
passed through `literal`, and mentions are only ever built from ids that look like Slack's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.slack.escape import escape_mrkdwn, literal, truncate
from core.machine import Status
from core.people import Person
from core.playbook import FieldSpec, FieldType, Playbook
from core.presentation import card as core_card

_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_LINKABLE = re.compile(r"^https?://[^\s<>|]+$", re.IGNORECASE)
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
LINK_LABEL_MAX = 80

STATUS_WORDS: Mapping[Status, str] = {
    Status.OPENED: "Waiting for the packet",
    Status.DRAFTING: "Packet in progress",
    Status.SUBMITTED: "Waiting for the CSM to accept",
    Status.ESCALATED: "Sent back to the AE",
    Status.OVERRIDE_REQUESTED: "Waiting on a manager's decision",
    Status.ON_HOLD: "On hold: the deal left the trigger stage",
    Status.ACCEPTED: "Accepted: the CSM owns the account",
    Status.CLOSED: "Closed",
    Status.CANCELLED: "Cancelled",
}


def is_slack_id(value: object) -> bool:
    return isinstance(value, str) and bool(_SLACK_ID.match(value))


def mention_email(email: str, user_ids: Mapping[str, str]) -> str:
    """`<@U…>` when Slack told us who this is, else the email as plain text."""
    user_id = user_ids.get(email.strip().lower())
    return f"<@{user_id}>" if is_slack_id(user_id) else literal(email)


def mention(person: Person, user_ids: Mapping[str, str]) -> str:
    slack_id = person.id_on("slack")
    if is_slack_id(slack_id):
        return f"<@{slack_id}>"
    return mention_email(person.email, user_ids)


def mention_actor(actor_id: str, user_ids: Mapping[str, str]) -> str:
    """Audit entries hold the actor's chat id (or an email, or `system:crm`)."""
    if is_slack_id(actor_id):
        return f"<@{actor_id}>"
    if "@" in actor_id:
        return mention_email(actor_id, user_ids)
    return "Baton" if actor_id.startswith("system:") else literal(actor_id)


def money(amount: object, currency: str) -> str:
    """`$24,000` or `CAD 24,000.50`: thousands separators, cents only when there are some."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return literal(str(amount))
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    code = currency.upper().strip()
    symbol = _SYMBOLS.get(code)
    return f"{symbol}{text}" if symbol else f"{literal(code)} {text}"


def number(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}" if isinstance(value, int) else f"{value:,.10g}"
    return literal(str(value))


def day(value: object) -> str:
    """`Mar 31, 2027` for an ISO date, the raw text (escaped) otherwise."""
    try:
        parsed = date.fromisoformat(str(value)[:10])
    except ValueError:
        return literal(str(value))
    return f"{parsed:%b} {parsed.day}, {parsed.year}"


def link(url: str) -> str:
    """A clickable link for http(s) addresses; anything else is shown as text."""
    url = url.strip()
    if not _LINKABLE.match(url):
        return literal(url)
    label = literal(truncate(re.sub(r"^https?://", "", url, flags=re.IGNORECASE), LINK_LABEL_MAX))
    return f"<{escape_mrkdwn(url)}|{label}>"


def user_value(value: object, user_ids: Mapping[str, str]) -> str:
    text = str(value).strip()
    if is_slack_id(text):
        return f"<@{text}>"
    return mention_email(text, user_ids) if "@" in text else literal(text)


def _items(value: Any) -> Iterable[Any]:
    return [value] if isinstance(value, str) or not isinstance(value, Iterable) else value


def format_value(spec: FieldSpec, value: Any, *, user_ids: Mapping[str, str], currency: str = "USD") -> str:
    """A packet value as the CSM reads it; the caller handles empty values."""
    kind = spec.type
    if kind is FieldType.CHECKBOX:
        return "✅ Yes" if value else "❌ No"
    if kind is FieldType.DATE:
        return day(value)
    if kind is FieldType.MONEY:
        return money(value, currency)
    if kind is FieldType.NUMBER:
        return number(value)
    if kind is FieldType.URL:
        return link(str(value))
    if kind is FieldType.USER:
        return user_value(value, user_ids)
    if kind is FieldType.USERS:
        return ", ".join(user_value(v, user_ids) for v in _items(value))
    if kind is FieldType.MULTI_SELECT:
        return ", ".join(literal(str(v)) for v in _items(value))
    return literal(str(value))


def segment_label(playbook: Playbook, segment_id: str) -> str:
    return core_card.segment_label(playbook, segment_id)


def field_labels(playbook: Playbook, field_ids: Iterable[str]) -> list[str]:
    """Labels for field ids, the id itself for a field the playbook no longer has."""
    return list(core_card.field_labels(playbook, field_ids))


def quote(text: str) -> str:
    """User text as a mrkdwn block quote, line by line."""
    return "\n".join(f">{literal(line)}" for line in (text.strip() or "—").splitlines())
