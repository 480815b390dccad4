"""Which outbox targets exist for this deployment, and the delivery function of each CRM target.

Called from the composition root (bot/bootstrap.py): the routes decide, at commit time, which
targets get a copy of each event; the dispatcher then delivers each copy with its target's function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import ConfigError, Problem
from bot.crm.hubspot import HubSpotClient
from bot.crm.hubspot_http import CRM
from bot.crm.outbound import EVENT_NAMES, WEBHOOK, OutboundWebhook
from bot.crm.salesforce import SalesforceClient
from bot.crm.sync import CrmSync, CrmTarget
from bot.dispatcher import OutboxDispatcher
from bot.settings import Settings
from core.crm import CrmRecords
from storage.outbox import CHAT, Routes

if TYPE_CHECKING:
    from bot.bootstrap import Baton


def routes_for(settings: Settings) -> Routes:
    """Chat takes every event; the outbound webhook, when configured, takes the handoff's milestones."""
    wants: dict[str, frozenset[str] | None] = {CHAT: None}
    if settings.outbound_webhook_url:
        if settings.outbound_webhook_secret is None:
            raise ConfigError([Problem(
                path="BATON_OUTBOUND_WEBHOOK_SECRET", line=None, column=None, hint=None,
                message="is required when BATON_OUTBOUND_WEBHOOK_URL is set: Baton signs every outbound webhook",
            )], source="environment")
        wants[WEBHOOK] = EVENT_NAMES
    if settings.hubspot_access_token is not None or _salesforce_on(settings):
        wants[CRM] = frozenset({"OwnershipFlipped"})  # the owner written back when the CSM accepts
    return Routes(wants)


def register_targets(baton: Baton, dispatcher: OutboxDispatcher) -> None:
    """Give the dispatcher a delivery function for every non-chat target the routes write."""
    settings = baton.settings
    if settings.outbound_webhook_url and settings.outbound_webhook_secret is not None:
        hook = OutboundWebhook(url=settings.outbound_webhook_url,
                               secret=settings.outbound_webhook_secret.get_secret_value(), load=baton.service.get)
        dispatcher.register(WEBHOOK, hook.deliver)
    syncs = {}
    if settings.hubspot_access_token is not None:
        syncs["hubspot"] = hubspot_sync(baton)
    if _salesforce_on(settings):
        syncs["salesforce"] = salesforce_sync(baton)
    if syncs:
        dispatcher.register(CRM, CrmTarget(syncs).deliver)


def _salesforce_on(settings: Settings) -> bool:
    return bool(settings.salesforce_client_id and settings.salesforce_client_secret)


def salesforce_sync(baton: Baton) -> CrmSync:
    settings = baton.settings
    assert settings.salesforce_client_id and settings.salesforce_client_secret
    client = SalesforceClient(login_url=settings.salesforce_login_url, client_id=settings.salesforce_client_id,
                              client_secret=settings.salesforce_client_secret.get_secret_value(),
                              extra_fields=tuple(baton.playbook.crm.salesforce.prefill.values()))
    records = CrmRecords(uow=baton.sla.sweeper.unit_of_work, clock=baton.clock)
    return CrmSync(name="salesforce", client=client, service=baton.service, deals=baton.deals, records=records,
                   playbook=baton.playbook, side=baton.playbook.crm.salesforce)


def hubspot_sync(baton: Baton) -> CrmSync:
    settings = baton.settings
    assert settings.hubspot_access_token is not None
    prefill = tuple(baton.playbook.crm.hubspot.prefill.values())
    client = HubSpotClient(api_url=settings.hubspot_api_url,
                           token=settings.hubspot_access_token.get_secret_value(), extra_properties=prefill)
    records = CrmRecords(uow=baton.sla.sweeper.unit_of_work, clock=baton.clock)
    return CrmSync(name="hubspot", client=client, service=baton.service, deals=baton.deals, records=records,
                   playbook=baton.playbook, side=baton.playbook.crm.hubspot)
