"""`baton crm check`: the CRM credentials and the app.yaml mapping, tried against the live CRM.

Reads one deal (its properties, company, owner and contacts), looks up one owner by email, and
checks that every property the prefill mapping names exists on that deal. Each line says what
was tried and, when it failed, what to change. Never prints a secret.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.crm.hubspot import HubSpotClient, HubSpotError
from bot.crm.salesforce import SalesforceClient, SalesforceError
from bot.delivery import RetryLater, Undeliverable
from bot.settings import Settings
from core.playbook import Playbook

Say = Callable[[str], None]


async def check_crm(settings: Settings, playbook: Playbook, *, deal_id: str | None, owner_email: str | None,
                    say: Say) -> int:
    """Exit code: 0 when everything configured works, 1 when something is wrong, 2 when nothing is set."""
    problems, checked = 0, 0
    if settings.outbound_webhook_url:
        checked += 1
        ok = settings.outbound_webhook_secret is not None
        problems += not ok
        say(f"{'ok ' if ok else 'BAD'} outbound webhook: {settings.outbound_webhook_url}"
            + ("" if ok else " (set BATON_OUTBOUND_WEBHOOK_SECRET: Baton signs every outbound webhook)"))
    if settings.hubspot_access_token is not None:
        checked += 1
        problems += await _hubspot(settings, playbook, deal_id=deal_id, owner_email=owner_email, say=say)
    if settings.hubspot_access_token is None and settings.hubspot_client_secret is not None:
        problems += 1
        say("BAD HubSpot: HUBSPOT_CLIENT_SECRET is set but HUBSPOT_ACCESS_TOKEN is not; Baton cannot read deals")
    if settings.salesforce_client_id and settings.salesforce_client_secret is not None:
        checked += 1
        problems += await _salesforce(settings, playbook, deal_id=deal_id, owner_email=owner_email, say=say)
    if not checked:
        say("no CRM is configured: set HUBSPOT_ACCESS_TOKEN (and HUBSPOT_CLIENT_SECRET) or "
            "BATON_OUTBOUND_WEBHOOK_URL (and _SECRET); see the README, section 'The CRM'")
        return 2
    return 1 if problems else 0


async def _hubspot(settings: Settings, playbook: Playbook, *, deal_id: str | None, owner_email: str | None,
                   say: Say) -> int:
    assert settings.hubspot_access_token is not None
    mapping = playbook.crm.hubspot.prefill
    client = HubSpotClient(api_url=settings.hubspot_api_url, token=settings.hubspot_access_token.get_secret_value(),
                           extra_properties=tuple(mapping.values()))
    problems = 0
    if settings.hubspot_client_secret is None or not settings.public_url:
        problems += 1
        say("BAD HubSpot webhooks: set HUBSPOT_CLIENT_SECRET (the app's client secret) and BATON_PUBLIC_URL "
            "(the URL HubSpot calls) so signatures can be verified")
    email = owner_email or next((e for s in playbook.segments for e in s.csm_pool), None)
    try:
        if email:
            owner = await client.owner_id_by_email(email)
            problems += owner is None
            say(f"ok  HubSpot owner {email}: id {owner}" if owner else
                f"BAD HubSpot has no active owner {email}: Baton could not write them as a company owner; "
                "add them as a HubSpot user")
        if deal_id:
            deal = await client.deal(deal_id)
            say(f"ok  HubSpot deal {deal.id} {deal.name!r}: stage {deal.stage!r}, company {deal.company_name!r}, "
                f"owner {deal.owner_email}, {len(deal.contacts)} contacts")
            if deal.company_id is None:
                problems += 1
                say("BAD the deal has no associated company: Baton writes the owner on the deal's company")
            missing = [f"{fid} <- {prop}" for fid, prop in mapping.items() if prop not in deal.properties]
            if missing:
                problems += 1
                say(f"BAD crm.hubspot.prefill names properties this deal does not have: {', '.join(missing)}")
            elif mapping:
                say(f"ok  crm.hubspot.prefill: {len(mapping)} properties found on the deal")
        else:
            say("--  no --deal given: pass a deal id to check the deal read and the prefill mapping")
    except HubSpotError as exc:
        hint = {401: "HUBSPOT_ACCESS_TOKEN is wrong or revoked", 403: "the private app lacks a scope "
                "(crm.objects.deals.read, crm.objects.companies.read/write, crm.objects.contacts.read, "
                "crm.objects.owners.read)", 404: "no such deal in this portal"}.get(exc.status, "")
        say(f"BAD HubSpot answered {exc.status} {exc.category}: {exc.message}" + (f" ({hint})" if hint else ""))
        return problems + 1
    except RetryLater as exc:
        say(f"BAD HubSpot could not be reached or is rate limiting: {exc.reason} (HUBSPOT_API_URL is "
            f"{settings.hubspot_api_url})")
        return problems + 1
    return problems


async def _salesforce(settings: Settings, playbook: Playbook, *, deal_id: str | None, owner_email: str | None,
                      say: Say) -> int:
    assert settings.salesforce_client_id and settings.salesforce_client_secret is not None
    mapping = playbook.crm.salesforce.prefill
    client = SalesforceClient(login_url=settings.salesforce_login_url, client_id=settings.salesforce_client_id,
                              client_secret=settings.salesforce_client_secret.get_secret_value(),
                              extra_fields=tuple(mapping.values()))
    problems = 0 if settings.salesforce_org_id else 1
    if not settings.salesforce_org_id:
        say("BAD Salesforce: set SALESFORCE_ORG_ID so Outbound Messages from your org are accepted")
    email = owner_email or next((e for s in playbook.segments for e in s.csm_pool), None)
    try:
        if email:
            user = await client.owner_id_by_email(email)
            problems += user is None
            say(f"ok  Salesforce user {email}: id {user}" if user else
                f"BAD Salesforce has no active User {email}: Baton could not make them an Account owner")
        if deal_id:
            deal = await client.deal(deal_id)
            say(f"ok  Salesforce Opportunity {deal.id} {deal.name!r}: stage {deal.stage!r}, account "
                f"{deal.company_name!r}, owner {deal.owner_email}, {len(deal.contacts)} contact roles")
        else:
            say("--  no --deal given: pass an Opportunity id to check the read and the prefill mapping")
    except SalesforceError as exc:
        say(f"BAD Salesforce answered {exc.status} {exc.code}: {exc.message}"
            + (" (a field in crm.salesforce.prefill may not exist)" if exc.code == "INVALID_FIELD" else ""))
        return problems + 1
    except (Undeliverable, RetryLater) as exc:
        say(f"BAD Salesforce: {exc} (SALESFORCE_LOGIN_URL is {settings.salesforce_login_url})")
        return problems + 1
    return problems
