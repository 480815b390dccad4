"""Salesforce both ways: Outbound Message (SOAP) parsing and its Ack, the OAuth 2.0
client-credentials flow, the REST/SOQL reads a handoff needs, and `Account.OwnerId` written back.

XML from the network is parsed with the standard library after refusing any DTD, so neither an
external entity nor an entity-expansion bomb can reach the parser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import aiohttp

from bot.delivery import RetryLater, Undeliverable
from core.crm import CrmDeal

OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
API_VERSION = "v60.0"
TIMEOUT = aiohttp.ClientTimeout(total=15)
_SF_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
ACK = (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Body>'
       f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>true</Ack></notificationsResponse>'
       '</soapenv:Body></soapenv:Envelope>')


class OutboundMessageError(Exception):
    """The body is not a Salesforce Outbound Message Baton can take; the message says why."""


@dataclass(frozen=True)
class Notification:
    id: str
    object_id: str
    stage: str


@dataclass(frozen=True)
class OutboundMessage:
    organization_id: str
    notifications: tuple[Notification, ...]


def parse_outbound(body: bytes) -> OutboundMessage:
    """The notifications of an Outbound Message on Opportunity (each with its Id and sObject)."""
    head = body[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in body.lower():
        raise OutboundMessageError("DTDs and entities are refused")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise OutboundMessageError(f"not well-formed XML: {exc}") from None
    notes = root.find(f".//{{{OUTBOUND_NS}}}notifications")
    if notes is None:
        raise OutboundMessageError("no <notifications> element in the SOAP body")
    org = (notes.findtext(f"{{{OUTBOUND_NS}}}OrganizationId") or "").strip()
    found = []
    for n in notes.findall(f"{{{OUTBOUND_NS}}}Notification"):
        note_id = (n.findtext(f"{{{OUTBOUND_NS}}}Id") or "").strip()
        sobject = n.find(f"{{{OUTBOUND_NS}}}sObject")
        if not note_id or sobject is None:
            raise OutboundMessageError("a Notification without Id or sObject")
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in sobject}
        if not fields.get("Id"):
            raise OutboundMessageError(f"notification {note_id}: the sObject has no Id")
        found.append(Notification(note_id, fields["Id"], fields.get("StageName", "")))
    if not org or not found:
        raise OutboundMessageError("an Outbound Message needs an OrganizationId and at least one Notification")
    return OutboundMessage(org, tuple(found))


def same_org(a: str, b: str) -> bool:
    """Org ids match on their case-sensitive 15-character form (the 18-character one adds a suffix)."""
    return a[:15] == b[:15] and len(a) >= 15


class SalesforceError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"Salesforce {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class SalesforceClient:
    """OAuth client credentials, SOQL reads and the Account owner update; a session that expires
    is renewed once, REQUEST_LIMIT_EXCEEDED and 5xx become RetryLater."""

    def __init__(self, *, login_url: str, client_id: str, client_secret: str,
                 extra_fields: tuple[str, ...] = ()) -> None:
        self._login = login_url.rstrip("/")
        self._id, self._secret = client_id, client_secret
        self._extra = tuple(f for f in extra_fields if re.fullmatch(r"[A-Za-z0-9_.]+", f))
        self._token: str | None = None
        self._instance = ""
        self.calls = 0

    async def _authenticate(self, http: aiohttp.ClientSession) -> None:
        self.calls += 1
        form = {"grant_type": "client_credentials", "client_id": self._id, "client_secret": self._secret}
        async with http.post(f"{self._login}/services/oauth2/token", data=form) as response:
            body = await response.json(content_type=None)
            if response.status != 200:
                raise Undeliverable(f"Salesforce login refused: {body.get('error')}: {body.get('error_description')}")
            self._token, self._instance = body["access_token"], body["instance_url"].rstrip("/")

    async def _call(self, method: str, path: str, *, params: dict[str, str] | None = None, json: Any = None) -> Any:
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
                for attempt in (1, 2):
                    if self._token is None:
                        await self._authenticate(http)
                    self.calls += 1
                    headers = {"Authorization": f"Bearer {self._token}"}
                    async with http.request(method, self._instance + path, params=params, json=json,
                                            headers=headers) as response:
                        if response.status == 204:
                            return None
                        body = await response.json(content_type=None)
                        if response.status < 300:
                            return body
                        first = body[0] if isinstance(body, list) and body else {}
                        code, message = str(first.get("errorCode", "")), str(first.get("message", ""))
                        if response.status == 401 and code == "INVALID_SESSION_ID" and attempt == 1:
                            self._token = None  # expired: log in again, once
                            continue
                        if code == "REQUEST_LIMIT_EXCEEDED":
                            raise RetryLater(60.0, f"Salesforce API limit: {message}", counts=False)
                        if response.status >= 500:
                            raise RetryLater(5.0, f"Salesforce {response.status}: {message}")
                        raise SalesforceError(response.status, code, message)
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            raise RetryLater(2.0, f"Salesforce unreachable: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")

    async def query(self, soql: str) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        page = await self._call("GET", f"/services/data/{API_VERSION}/query", params={"q": soql})
        records += page["records"]
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            page = await self._call("GET", page["nextRecordsUrl"])
            records += page["records"]
        return records

    async def deal(self, deal_id: str) -> CrmDeal:
        _check_id(deal_id)
        extra = "".join(f", {f}" for f in self._extra)
        rows = await self.query(
            "SELECT Id, Name, StageName, Amount, CloseDate, AccountId, Account.Name, Account.OwnerId, "
            f"Owner.Email{extra} FROM Opportunity WHERE Id = '{deal_id}'")
        if not rows:
            raise Undeliverable(f"Salesforce has no Opportunity {deal_id}")
        o = rows[0]
        roles = await self.query(
            "SELECT Role, IsPrimary, Contact.FirstName, Contact.LastName, Contact.Email, Contact.Title "
            f"FROM OpportunityContactRole WHERE OpportunityId = '{deal_id}'")
        account = o.get("Account") or {}
        contacts = tuple({"firstname": (r.get("Contact") or {}).get("FirstName"),
                          "lastname": (r.get("Contact") or {}).get("LastName"),
                          "email": (r.get("Contact") or {}).get("Email"),
                          "jobtitle": r.get("Role") or (r.get("Contact") or {}).get("Title")} for r in roles)
        return CrmDeal(
            id=o["Id"], name=o.get("Name") or o["Id"], stage=o.get("StageName") or "", amount=_decimal(o.get("Amount")),
            currency="USD", closed_at=_date(o.get("CloseDate")), owner_email=(o.get("Owner") or {}).get("Email"),
            company_id=o.get("AccountId"), company_name=account.get("Name"),
            company_owner_id=account.get("OwnerId") or "", contacts=contacts, properties=o,
        )

    async def company_owner(self, company_id: str) -> str:
        _check_id(company_id)
        rows = await self.query(f"SELECT OwnerId FROM Account WHERE Id = '{company_id}'")
        return str(rows[0]["OwnerId"]) if rows else ""

    async def owner_id_by_email(self, email: str) -> str | None:
        quoted = email.replace("\\", "\\\\").replace("'", "\\'")
        rows = await self.query(f"SELECT Id FROM User WHERE Email = '{quoted}' AND IsActive = true LIMIT 1")
        return str(rows[0]["Id"]) if rows else None

    async def set_company_owner(self, company_id: str, owner_id: str, extra: dict[str, str]) -> None:
        _check_id(company_id)
        try:
            await self._call("PATCH", f"/services/data/{API_VERSION}/sobjects/Account/{company_id}",
                             json={"OwnerId": owner_id, **extra})
        except SalesforceError as exc:
            raise Undeliverable(str(exc)) from exc


def _check_id(value: str) -> None:
    if not _SF_ID.match(value):
        raise Undeliverable(f"{value!r} is not a Salesforce record id")


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _date(value: Any) -> datetime:
    if not value:
        return datetime.now(UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC) if len(str(value)) == 10 else \
        datetime.fromisoformat(str(value).replace("Z", "+00:00"))
