"""The deal as the CRM reports it when it closes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.text import clean, clean_value


@dataclass(frozen=True)
class Deal:
    id: str
    name: str
    account: str
    amount: Decimal
    currency: str
    stage: str
    closed_at: datetime
    ae_email: str
    csm_email: str | None = None
    segment: str | None = None
    crm_url: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Whatever sent the deal (webhook, HubSpot, Salesforce, a person), its text is shown in
        chat: invisible controls are removed here, once, for every way in."""
        for name in ("id", "name", "account", "currency", "stage", "ae_email", "csm_email", "segment", "crm_url"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, clean(value))
        object.__setattr__(self, "fields", clean_value(self.fields))
