"""HubSpot both ways: webhook signatures (v3), the CRM v3 reads a handoff needs, and the owner
written back on the company when the CSM accepts.

Reads: the deal with its company and contact associations, the deal's owner (for the AE's email),
the company (its name and current owner), each contact. Write: `hubspot_owner_id` on the company,
after re-reading it (a write interrupted by a crash is found done, never repeated), and only when the
owner is still the one seen when the handoff opened.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote

import aiohttp

from bot.delivery import RetryLater, Undeliverable
from core.crm import CrmDeal

MAX_AGE_MS = 5 * 60 * 1000
TIMEOUT = aiohttp.ClientTimeout(total=15)
DEAL_PROPERTIES = ("dealname", "amount", "deal_currency_code", "dealstage", "closedate", "hubspot_owner_id")


class HubSpotSignatureError(Exception):
    """The request is not provably from HubSpot; the message says why (for the 401 body)."""


def signature_v3(secret: str, *, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """base64(HMAC-SHA256(client secret, method + decoded URI + body + timestamp)), as HubSpot signs."""
    message = method.upper().encode() + unquote(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify_v3(secret: str, *, method: str, uri: str, body: bytes, timestamp: str | None, signature: str | None,
              now_ms: int) -> None:
    if not timestamp or not signature:
        raise HubSpotSignatureError("missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp header")
    try:
        sent_ms = int(timestamp)
    except ValueError:
        raise HubSpotSignatureError("X-HubSpot-Request-Timestamp must be unix milliseconds") from None
    if now_ms - sent_ms > MAX_AGE_MS:
        raise HubSpotSignatureError("timestamp is older than 5 minutes")
    expected = signature_v3(secret, method=method, uri=uri, body=body, timestamp=timestamp)
    if not hmac.compare_digest(expected, signature.strip()):
        raise HubSpotSignatureError("signature does not match (is BATON_PUBLIC_URL the URL HubSpot calls?)")


class HubSpotError(Exception):
    """HubSpot refused: its status, category and message, as its error body says."""

    def __init__(self, status: int, category: str, message: str) -> None:
        super().__init__(f"HubSpot {status} {category}: {message}")
        self.status, self.category, self.message = status, category, message


class HubSpotClient:
    """The CRM v3 calls Baton makes; 429 and 5xx become RetryLater (the outbox waits and retries)."""

    def __init__(self, *, api_url: str, token: str, extra_properties: tuple[str, ...] = ()) -> None:
        self._base = api_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._extra = extra_properties
        self.calls = 0

    async def _call(self, method: str, path: str, *, params: dict[str, str] | None = None,
                    json: Any = None) -> Any:
        self.calls += 1
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT, headers=self._headers) as http, \
                    http.request(method, self._base + path, params=params, json=json) as response:
                try:
                    body = await response.json(content_type=None)
                except ValueError:  # a proxy's HTML error page, a body cut short
                    body = {"message": (await response.text())[:200]}
                if response.status < 300:
                    return body
                info = body if isinstance(body, dict) else {}
                category, message = str(info.get("category", "")), str(info.get("message", ""))
                if response.status == 429:
                    wait = float(response.headers.get("Retry-After") or 0) or int(
                        response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds") or 10000) / 1000
                    raise RetryLater(wait, f"HubSpot rate limit ({category}): {message}", counts=False)
                if response.status >= 500:
                    raise RetryLater(5.0, f"HubSpot {response.status}: {message}")
                raise HubSpotError(response.status, category, message)
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            raise RetryLater(2.0, f"HubSpot unreachable: {type(exc).__name__}") from exc

    async def deal(self, deal_id: str) -> CrmDeal:
        props = ",".join(dict.fromkeys((*DEAL_PROPERTIES, *self._extra)))
        raw = await self._call("GET", f"/crm/v3/objects/deals/{deal_id}",
                               params={"properties": props, "associations": "companies,contacts"})
        p = raw.get("properties", {})
        assoc = raw.get("associations", {})
        company_ids = [r["id"] for r in assoc.get("companies", {}).get("results", [])]
        contact_ids = [r["id"] for r in assoc.get("contacts", {}).get("results", [])]
        owner_email = None
        if p.get("hubspot_owner_id"):
            owner = await self._call("GET", f"/crm/v3/owners/{p['hubspot_owner_id']}")
            owner_email = owner.get("email")
        company: dict[str, Any] = {}
        if company_ids:
            company = (await self._call("GET", f"/crm/v3/objects/companies/{company_ids[0]}",
                                        params={"properties": "name,hubspot_owner_id"}))["properties"]
        contacts = []
        for cid in contact_ids[:10]:
            contacts.append((await self._call("GET", f"/crm/v3/objects/contacts/{cid}",
                                              params={"properties": "firstname,lastname,email,jobtitle"}))
                            ["properties"])
        return CrmDeal(
            id=str(raw["id"]), name=p.get("dealname") or f"Deal {raw['id']}", stage=p.get("dealstage") or "",
            amount=_decimal(p.get("amount")), currency=(p.get("deal_currency_code") or "USD").upper(),
            closed_at=_when(p.get("closedate")), owner_email=owner_email,
            company_id=company_ids[0] if company_ids else None, company_name=company.get("name"),
            company_owner_id=str(company.get("hubspot_owner_id") or ""), contacts=tuple(contacts), properties=p,
        )

    async def company_owner(self, company_id: str) -> str:
        raw = await self._call("GET", f"/crm/v3/objects/companies/{company_id}",
                               params={"properties": "hubspot_owner_id"})
        return str(raw.get("properties", {}).get("hubspot_owner_id") or "")

    async def owner_id_by_email(self, email: str) -> str | None:
        """The active owner with this email, following `paging.next.after`."""
        after: str | None = None
        while True:
            params = {"email": email, "limit": "100", "archived": "false"}
            if after:
                params["after"] = after
            page = await self._call("GET", "/crm/v3/owners/", params=params)
            for owner in page.get("results", []):
                if str(owner.get("email", "")).lower() == email.lower() and not owner.get("archived"):
                    return str(owner["id"])
            after = page.get("paging", {}).get("next", {}).get("after")
            if not after:
                return None

    async def set_company_owner(self, company_id: str, owner_id: str, extra: dict[str, str]) -> None:
        try:
            await self._call("PATCH", f"/crm/v3/objects/companies/{company_id}",
                             json={"properties": {"hubspot_owner_id": owner_id, **extra}})
        except HubSpotError as exc:
            raise Undeliverable(str(exc)) from exc


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _when(value: Any) -> datetime:
    if not value:
        return datetime.now(UTC)
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
