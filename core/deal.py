"""The deal as the CRM reports it when it closes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


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
