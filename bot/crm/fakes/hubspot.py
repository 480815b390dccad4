"""A fake HubSpot CRM v3 API: the endpoints Baton uses, with HubSpot's shapes and refusals.

Strict as HubSpot is: a missing or wrong private-app token is 401 `INVALID_AUTHENTICATION`; an
unknown object is 404 `OBJECT_NOT_FOUND`; an owner id that is not an owner is 400 `VALIDATION_ERROR`;
owners are paginated (`paging.next.after`); a burst over the ten-second limit gets 429 `RATE_LIMITS`
with the `X-HubSpot-RateLimit-*` headers. Every error body is `{"status": "error", "message",
"correlationId", "category"}`. `storm` makes the next N calls 429 on purpose.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API = "/crm/v3"
STANDARD_DEAL_PROPERTIES = frozenset({"dealname", "amount", "dealstage", "closedate", "pipeline", "hubspot_owner_id",
                                      "deal_currency_code", "createdate", "hs_object_id"})


@dataclass
class HubSpotState:
    token: str
    deals: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> properties
    deal_companies: dict[str, list[str]] = field(default_factory=dict)
    deal_contacts: dict[str, list[str]] = field(default_factory=dict)
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    owners: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2  # small on purpose: Baton must follow paging.next.after
    max_per_interval: int = 100  # HubSpot's private-app burst limit per 10 s
    storm: int = 0  # answer the next N calls with 429
    calls: list[str] = field(default_factory=list)
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    written_at: dict[str, float] = field(default_factory=dict)  # company id -> time.perf_counter() of its write
    fail_after_write: int = 0  # apply the next N writes, then drop the connection (a crash mid-write)
    _window: list[float] = field(default_factory=list)

    def add_owner(self, owner_id: str, email: str, *, archived: bool = False) -> None:
        self.owners.append({"id": owner_id, "email": email, "firstName": email.split("@")[0].title(),
                            "lastName": "", "userId": int(owner_id), "archived": archived,
                            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"})


def error(status: int, category: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}
    return web.json_response(body, status=status, headers=headers)


def build_fake_hubspot(state: HubSpotState) -> web.Application:
    @web.middleware
    async def strict(request: web.Request, handler: Any) -> web.StreamResponse:
        state.calls.append(f"{request.method} {request.path}")
        if request.headers.get("Authorization") != f"Bearer {state.token}":
            return error(401, "INVALID_AUTHENTICATION",
                         "Authentication credentials not found. This API supports OAuth 2.0 authentication.")
        now = time.monotonic()
        state._window = [t for t in state._window if now - t < 10.0]
        limited = state.storm > 0 or len(state._window) >= state.max_per_interval
        headers = {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                   "X-HubSpot-RateLimit-Max": str(state.max_per_interval),
                   "X-HubSpot-RateLimit-Remaining": str(max(0, state.max_per_interval - len(state._window)))}
        if limited:
            state.storm = max(0, state.storm - 1)
            return error(429, "RATE_LIMITS", "You have reached your secondly limit.",
                         headers | {"X-HubSpot-RateLimit-Remaining": "0", "Retry-After": "1"})
        state._window.append(now)
        response = await handler(request)
        response.headers.update(headers)
        return response

    async def get_deal(request: web.Request) -> web.Response:
        deal_id = request.match_info["id"]
        if deal_id not in state.deals:
            return error(404, "OBJECT_NOT_FOUND", f"Object not found.  objectId are usually numeric. {deal_id}")
        wanted = [p for p in request.query.get("properties", "").split(",") if p]
        props = state.deals[deal_id]
        # Like HubSpot: a requested property the portal defines comes back (null when empty); one it
        # does not define is silently left out. The portal's deal properties: the standard ones and
        # any property some deal in this fake has.
        schema = STANDARD_DEAL_PROPERTIES | {k for d in state.deals.values() for k in d}
        shown = wanted or ["amount", "closedate", "dealname", "dealstage"]
        body: dict[str, Any] = {"id": deal_id, "properties": {k: props.get(k) for k in shown if k in schema},
                                "archived": False}
        assoc = [a for a in request.query.get("associations", "").split(",") if a]
        links = {"companies": state.deal_companies, "contacts": state.deal_contacts}
        body["associations"] = {
            a: {"results": [{"id": i, "type": f"deal_to_{a[:-1] if a == 'contacts' else 'company'}"}
                            for i in links[a].get(deal_id, [])]}
            for a in assoc if a in links and links[a].get(deal_id)
        }
        return web.json_response(body)

    async def get_object(request: web.Request) -> web.Response:
        kind, object_id = request.match_info["kind"], request.match_info["id"]
        store = {"companies": state.companies, "contacts": state.contacts}.get(kind)
        if store is None or object_id not in store:
            return error(404, "OBJECT_NOT_FOUND", f"Object not found.  objectId are usually numeric. {object_id}")
        wanted = [p for p in request.query.get("properties", "").split(",") if p]
        props = store[object_id]
        return web.json_response({"id": object_id, "archived": False,
                                  "properties": {k: props.get(k) for k in wanted} if wanted else dict(props)})

    async def patch_company(request: web.Request) -> web.Response:
        company_id = request.match_info["id"]
        if company_id not in state.companies:
            return error(404, "OBJECT_NOT_FOUND", f"Object not found.  objectId are usually numeric. {company_id}")
        body = await request.json()
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict):
            return error(400, "VALIDATION_ERROR", "Invalid input JSON: expected an object with `properties`")
        owner = props.get("hubspot_owner_id")
        if owner is not None and not any(o["id"] == str(owner) and not o["archived"] for o in state.owners):
            return error(400, "VALIDATION_ERROR",
                         f"Property values were not valid: {owner} is not a valid owner id")
        state.companies[company_id].update({k: str(v) for k, v in props.items()})
        state.writes.append((company_id, dict(props)))
        state.written_at[company_id] = time.perf_counter()
        if state.fail_after_write > 0:
            state.fail_after_write -= 1
            raise ConnectionResetError("the fake drops the connection after applying the write")
        return web.json_response({"id": company_id, "properties": state.companies[company_id], "archived": False})

    async def list_owners(request: web.Request) -> web.Response:
        email = request.query.get("email")
        limit = int(request.query.get("limit", "100"))
        if not 1 <= limit <= 500:
            return error(400, "VALIDATION_ERROR", "limit must be between 1 and 500")
        size = min(limit, state.page_size)
        owners = [o for o in state.owners if not o["archived"] and (email is None or o["email"] == email)]
        start = int(request.query.get("after", "0"))
        page = owners[start:start + size]
        body: dict[str, Any] = {"results": page}
        if start + size < len(owners):
            nxt = str(start + size)
            body["paging"] = {"next": {"after": nxt, "link": f"{request.url.with_query(after=nxt)}"}}
        return web.json_response(body)

    async def get_owner(request: web.Request) -> web.Response:
        owner = next((o for o in state.owners if o["id"] == request.match_info["id"]), None)
        if owner is None:
            return error(404, "OBJECT_NOT_FOUND", "Owner not found")
        return web.json_response(owner)

    app = web.Application(middlewares=[strict])
    app.router.add_get(f"{API}/objects/deals/{{id}}", get_deal)
    app.router.add_get(f"{API}/objects/{{kind}}/{{id}}", get_object)
    app.router.add_patch(f"{API}/objects/companies/{{id}}", patch_company)
    app.router.add_get(f"{API}/owners/", list_owners)
    app.router.add_get(f"{API}/owners/{{id}}", get_owner)
    return app
