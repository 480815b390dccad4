"""A fake Salesforce: the OAuth token endpoint, the SOQL queries and the Account update Baton
makes, with Salesforce's error shapes.

Strict as Salesforce is: a wrong client id or secret gets `400 {"error": "invalid_client"}`; a
missing or expired session 401 `INVALID_SESSION_ID`; a query it does not know 400
`MALFORMED_QUERY`; an OwnerId that is not an active User 400 `INVALID_CROSS_REFERENCE_KEY`; `limit`
makes the next N calls 403 `REQUEST_LIMIT_EXCEEDED`. Errors are a JSON list of
`{"message", "errorCode"}`, as the REST API answers.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

V = "/services/data/v60.0"


@dataclass
class SalesforceState:
    client_id: str
    client_secret: str
    opportunities: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {"Email", "IsActive"}
    contact_roles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    limit: int = 0
    calls: list[str] = field(default_factory=list)
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def expire_sessions(self) -> None:
        self.tokens.clear()


def _errors(status: int, code: str, message: str) -> web.Response:
    return web.json_response([{"message": message, "errorCode": code}], status=status)


def build_fake_salesforce(state: SalesforceState) -> web.Application:
    async def token(request: web.Request) -> web.Response:
        state.calls.append("POST token")
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type", "error_description": "grant type not supported"},
                                     status=400)
        if form.get("client_id") != state.client_id or form.get("client_secret") != state.client_secret:
            return web.json_response({"error": "invalid_client", "error_description": "invalid client credentials"},
                                     status=400)
        issued = secrets.token_hex(8)
        state.tokens.add(issued)
        base = str(request.url.with_path("").with_query(None))
        return web.json_response({"access_token": issued, "instance_url": base, "token_type": "Bearer",
                                  "issued_at": "1764920000000", "signature": "x"})

    @web.middleware
    async def session(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/services/oauth2/token":
            response: web.StreamResponse = await handler(request)
            return response
        state.calls.append(f"{request.method} {request.path}")
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in state.tokens:
            return _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        if state.limit > 0:
            state.limit -= 1
            return _errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        response = await handler(request)
        return response

    async def query(request: web.Request) -> web.Response:
        soql = request.query.get("q", "")
        try:
            records = _run(state, soql)
        except _NoSuchColumn as exc:
            return _errors(400, "INVALID_FIELD", f"No such column '{exc}' on entity 'Opportunity'.")
        if records is None:
            return _errors(400, "MALFORMED_QUERY", f"unexpected query: {soql[:80]}")
        return web.json_response({"totalSize": len(records), "done": True, "records": records})

    async def patch_account(request: web.Request) -> web.Response:
        account_id = request.match_info["id"]
        if account_id not in state.accounts:
            return _errors(404, "NOT_FOUND", "The requested resource does not exist")
        body = await request.json()
        owner = body.get("OwnerId")
        user = state.users.get(owner or "")
        if owner is not None and (user is None or not user["IsActive"]):
            return _errors(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        state.accounts[account_id].update(body)
        state.writes.append((account_id, dict(body)))
        return web.Response(status=204)

    app = web.Application(middlewares=[session])
    app.router.add_post("/services/oauth2/token", token)
    app.router.add_get(f"{V}/query", query)
    app.router.add_patch(f"{V}/sobjects/Account/{{id}}", patch_account)
    return app


class _NoSuchColumn(Exception):
    pass


def _run(state: SalesforceState, soql: str) -> list[dict[str, Any]] | None:
    attrs = {"type": "Opportunity"}
    if m := re.fullmatch(r"SELECT (.+) FROM Opportunity WHERE Id = '(\w+)'", soql):
        o = state.opportunities.get(m[2])
        if o is None:
            return []
        account = state.accounts.get(o.get("AccountId", ""), {})
        owner = state.users.get(o.get("OwnerId", ""), {})
        row = {"attributes": attrs, **{k: v for k, v in o.items() if k != "OwnerId"},
               "Account": {"Name": account.get("Name"), "OwnerId": account.get("OwnerId")},
               "Owner": {"Email": owner.get("Email")}}
        wanted = {f.strip().split(".")[0] for f in m[1].split(",")}
        unknown = wanted - set(row) - {"Id"}
        if unknown:
            raise _NoSuchColumn(sorted(unknown)[0])
        return [row]
    if m := re.fullmatch(r"SELECT .+ FROM OpportunityContactRole WHERE OpportunityId = '(\w+)'", soql):
        return list(state.contact_roles.get(m[1], []))
    if m := re.fullmatch(r"SELECT OwnerId FROM Account WHERE Id = '(\w+)'", soql):
        a = state.accounts.get(m[1])
        return [{"OwnerId": a["OwnerId"]}] if a else []
    if m := re.fullmatch(r"SELECT Id FROM User WHERE Email = '((?:[^'\\]|\\.)*)' AND IsActive = true LIMIT 1", soql):
        email = m[1].replace("\\'", "'")
        return [{"Id": uid} for uid, u in state.users.items() if u["Email"] == email and u["IsActive"]][:1]
    return None
