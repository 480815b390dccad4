"""The `crm:` section of app.yaml: which CRM properties pre-fill which packet fields, and which
properties Baton writes when the CSM accepts (so CRM validation rules can lock the record)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CrmSide(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # packet field id -> the CRM property (HubSpot deal property, Salesforce Opportunity field)
    prefill: dict[str, str] = Field(default_factory=dict)
    # written on the company/account with the owner, when set: "accepted" and the accept time
    status_property: str | None = None
    accepted_at_property: str | None = None


class CrmMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hubspot: CrmSide = CrmSide()
    salesforce: CrmSide = CrmSide()
