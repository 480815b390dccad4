"""The deal webhook body (DESIGN.md), as a strict pydantic model: unknown fields are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from core.deal import Deal


class DealPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=500)
    account: str = Field(min_length=1, max_length=500)
    amount: Decimal = Field(ge=0, allow_inf_nan=False)
    currency: str = Field(min_length=3, max_length=3)
    stage: str = Field(min_length=1)
    closed_at: AwareDatetime | datetime
    ae_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    csm_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    segment: str | None = None
    crm_url: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)

    @field_validator("closed_at")
    @classmethod
    def _assume_utc(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def to_deal(self) -> Deal:
        return Deal(
            id=self.id, name=self.name, account=self.account, amount=self.amount,
            currency=self.currency.upper(), stage=self.stage, closed_at=self.closed_at,
            ae_email=self.ae_email, csm_email=self.csm_email, segment=self.segment,
            crm_url=self.crm_url, fields=dict(self.fields),
        )


class DealEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1, max_length=200)
    deal: DealPayload
