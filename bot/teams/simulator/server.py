"""The simulator's HTTP side: OpenID metadata, JWKS, token endpoint and the Bot Connector API."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web

from bot.teams.simulator.tokens import BOT_FRAMEWORK_ISSUER, Minter, TokenKind

APP_ID = "11111111-2222-3333-4444-555555555555"
APP_PASSWORD = "sim-password-not-a-secret"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CONNECTOR_SCOPE = "https://api.botframework.com"
# Teams' documented per-bot, per-conversation limits: (messages, seconds).
RATE_LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))  # per bot per conversation
TENANT_LIMIT = (50, 1.0)  # requests a second per app per tenant
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
FILE_CARDS = ("application/vnd.microsoft.teams.card.file.consent", "application/vnd.microsoft.teams.card.file.info")


@dataclass
class Sent:
    """One call the bot made to the connector, as Teams received it."""

    method: str
    conversation_id: str
    activity: dict[str, Any]
    activity_id: str
    reply_to_id: str | None = None


@dataclass
class _Conversation:
    members: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


def _error(status: int, code: str, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


class TeamsSimulator:
    """Start it, point Baton's SDK settings at `env()`, post `activity()` builds with `auth()`."""

    def __init__(self, *, app_id: str = APP_ID, app_password: str = APP_PASSWORD, tenant_id: str = TENANT_ID,
                 rate_limits: tuple[tuple[int, float], ...] = RATE_LIMITS) -> None:
        self.app_id, self.app_password, self.tenant_id = app_id, app_password, tenant_id
        self.rate_limits = rate_limits
        self.tenant_limit = TENANT_LIMIT
        self._tenant_history: deque[float] = deque()
        self.port = 0
        self.minter: Minter | None = None
        self.sent: list[Sent] = []
        self.token_requests = 0
        self.throttled: list[str] = []
        self.uploads: dict[str, bytes] = {}  # what the bot PUT to the upload URLs, by unique id
        self._conversations: dict[str, _Conversation] = defaultdict(_Conversation)
        self._history: dict[str, deque[float]] = defaultdict(deque)
        self._forced_429: dict[str, list[int]] = {}
        self._installed_personal: dict[str, str] = {}  # user id -> aad object id
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # ---------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """The serviceUrl Teams puts on activities: where the bot sends its replies."""
        return f"{self.url}/amer/"

    def start(self) -> TeamsSimulator:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._start_site())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="teams-simulator", daemon=True)
        self._thread.start()
        ready.wait(10)
        self.minter = Minter(issuer=self.url + "/", app_id=self.app_id)
        return self

    async def _start_site(self) -> None:
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        assert sockets, "the simulator did not bind"
        self.port = int(sockets[0].getsockname()[1])

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def env(self) -> dict[str, str]:
        """The SDK's endpoint settings (and Baton's app credentials) pointing at this simulator."""
        return {
            "MicrosoftAppId": self.app_id, "MicrosoftAppPassword": self.app_password,
            "MicrosoftAppTenantId": self.tenant_id, "MicrosoftAppType": "SingleTenant",
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": f"{self.url}/v1/.well-known/openidconfiguration",
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": self.url + "/",
            "TO_CHANNEL_FROM_BOT_LOGIN_URL": f"{self.url}/{self.tenant_id}",
            "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": CONNECTOR_SCOPE,
            "OAUTH_URL": f"{self.url}/oauth",
        }

    # ---------------------------------------------------------------- test controls
    def auth(self, kind: TokenKind = TokenKind.GOOD) -> dict[str, str]:
        """Headers for a POST to the bot's /api/messages, as the channel sends them."""
        assert self.minter is not None, "start() the simulator first"
        header = self.minter.inbound(kind, service_url=self.service_url)
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers["Authorization"] = header
        return headers

    def add_member(self, conversation_id: str, member: dict[str, Any]) -> None:
        with self._lock:
            self._conversations[conversation_id].members.append(member)

    def install_personal(self, member: dict[str, Any]) -> str:
        """The person added Baton in their personal scope: the bot may now open a 1:1 chat."""
        with self._lock:
            self._installed_personal[member["id"]] = member["aadObjectId"]
            conversation_id = f"a:1personal-{member['aadObjectId']}"
            if member not in self._conversations[conversation_id].members:
                self._conversations[conversation_id].members.append(member)
        return conversation_id

    def uninstall_personal(self) -> None:
        """Nobody has Baton in their personal scope any more (a fresh tenant for the next test)."""
        with self._lock:
            self._installed_personal.clear()

    def upload_info(self, name: str) -> dict[str, Any]:
        """What Teams puts in a fileConsent accept: where the bot may PUT the file (the person's
        OneDrive, pre-authorised), and where the file will then be."""
        unique = str(uuid.uuid4()).upper()
        return {"name": name, "uploadUrl": f"{self.url}/upload/{unique}", "uniqueId": unique,
                "contentUrl": f"https://contoso-my.sharepoint.com/personal/Documents/Applications/{name}",
                "fileType": name.rsplit(".", 1)[-1]}

    def throttle_next(self, conversation_id: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` sends to this conversation with 429 and Retry-After."""
        with self._lock:
            self._forced_429[conversation_id] = [retry_after] * times

    def sent_to(self, conversation_id: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.conversation_id == conversation_id]

    # ---------------------------------------------------------------- HTTP
    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._openid)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        base = "/amer/v3/conversations"
        app.router.add_post(base, self._create_conversation)
        app.router.add_post(base + "/{cid}/activities", self._send)
        app.router.add_post(base + "/{cid}/activities/{aid}", self._send)
        app.router.add_put(base + "/{cid}/activities/{aid}", self._update)
        app.router.add_get(base + "/{cid}/members", self._members)
        app.router.add_get(base + "/{cid}/members/{uid}", self._member)
        app.router.add_put("/upload/{uid}", self._upload)
        return app

    async def _openid(self, request: web.Request) -> web.Response:
        return web.json_response({
            "issuer": self.url + "/", "authorization_endpoint": f"{self.url}/v1/authorize",
            "jwks_uri": f"{self.url}/v1/.well-known/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        })

    async def _keys(self, request: web.Request) -> web.Response:
        assert self.minter is not None
        return web.json_response({"keys": self.minter.jwks()})

    async def _token(self, request: web.Request) -> web.Response:
        """Entra ID's client-credentials grant, as strict as the service about what it accepts."""
        form = await request.post()
        self.token_requests += 1
        if request.match_info["tenant"] != self.tenant_id:
            return web.json_response({"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found"},
                                     status=400)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if form.get("client_id") != self.app_id:
            return web.json_response({"error": "unauthorized_client",
                                      "error_description": "AADSTS700016: Application not found"}, status=400)
        if form.get("client_secret") != self.app_password:
            return web.json_response({"error": "invalid_client",
                                      "error_description": "AADSTS7000215: Invalid client secret"}, status=401)
        if form.get("scope") != CONNECTOR_SCOPE + "/.default":
            return web.json_response({"error": "invalid_scope"}, status=400)
        assert self.minter is not None
        token = self.minter.outbound(app_id=self.app_id, audience=CONNECTOR_SCOPE,
                                     login_issuer=f"https://login.microsoftonline.com/{self.tenant_id}/v2.0")
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                  "access_token": token})

    def _authorized(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token:
            return _error(401, "Unauthorized", "Authorization has been denied for this request.")
        try:
            assert self.minter is not None
            claims = self.minter.verify_outbound(token, audience=CONNECTOR_SCOPE)
        except jwt.PyJWTError:
            return _error(401, "Unauthorized", "Authorization has been denied for this request.")
        if claims.get("appid") != self.app_id:
            return _error(403, "Forbidden", "The bot is not part of this conversation.")
        return None

    def _rate_limited(self, conversation_id: str) -> web.Response | None:
        with self._lock:
            forced = self._forced_429.get(conversation_id)
            if forced:
                retry = forced.pop(0)
                self.throttled.append(conversation_id)
                return _error(429, "TooManyRequests", "Too many requests", **{"Retry-After": str(retry)})
            now = time.monotonic()
            tenant_limit, tenant_span = self.tenant_limit
            while self._tenant_history and now - self._tenant_history[0] > tenant_span:
                self._tenant_history.popleft()
            if len(self._tenant_history) >= tenant_limit:  # the app's cap per tenant, all conversations
                self.throttled.append(conversation_id)
                return _error(429, "TooManyRequests", "Too many requests", **{"Retry-After": "1"})
            history = self._history[conversation_id]
            longest = max(seconds for _, seconds in self.rate_limits)
            while history and now - history[0] > longest:
                history.popleft()
            for limit, seconds in self.rate_limits:
                recent = [t for t in history if now - t <= seconds]
                if len(recent) >= limit:
                    self.throttled.append(conversation_id)
                    retry = max(1, int(seconds - (now - recent[0])) + 1)
                    return _error(429, "TooManyRequests", "Too many requests", **{"Retry-After": str(retry)})
            history.append(now)
            self._tenant_history.append(now)
        return None

    @staticmethod
    def _invalid(activity: Any, conversation_id: str = "") -> str | None:
        """Minimal checks Teams makes: a type, Adaptive Cards that are cards, file cards only in
        personal chats (the bot file APIs work nowhere else)."""
        if not isinstance(activity, dict) or not activity.get("type"):
            return "Activity must have a type."
        if activity["type"] == "message" and not (activity.get("text") or activity.get("attachments")):
            return "A message needs text or attachments."
        for attachment in activity.get("attachments") or []:
            if not attachment.get("contentType"):
                return "Attachment contentType is required."
            if attachment["contentType"] in FILE_CARDS and conversation_id and \
                    not conversation_id.startswith("a:1personal-"):
                return "File cards can be sent only in a personal chat."
            if attachment["contentType"] == FILE_CARDS[0] and not isinstance(
                    (attachment.get("content") or {}).get("sizeInBytes"), int):
                return "A file consent card needs sizeInBytes."
            if attachment["contentType"] == ADAPTIVE_CARD:
                card = attachment.get("content") or {}
                if card.get("type") != "AdaptiveCard" or not isinstance(card.get("version"), str) \
                        or not isinstance(card.get("body", []), list):
                    return "Invalid Adaptive Card: needs type AdaptiveCard, a version and a body list."
        return None

    async def _create_conversation(self, request: web.Request) -> web.Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        params = await request.json()
        if not params.get("bot") or not (params.get("members") or params.get("channelData")):
            return _error(400, "BadArgument", "Conversation needs a bot and members or a channel.")
        if params.get("activity") is not None and (reason := self._invalid(params["activity"])):
            return _error(400, "BadArgument", reason)
        channel = (params.get("channelData") or {}).get("channel", {}).get("id")
        # A new thread is a post in the channel and counts against the channel's limits.
        if channel and (limited := self._rate_limited(channel)) is not None:
            return limited
        if not channel and not params.get("isGroup"):
            members = params.get("members") or []
            if len(members) != 1:
                return _error(400, "BadArgument", "A 1:1 conversation needs exactly one member.")
            with self._lock:
                aad = self._installed_personal.get(members[0].get("id", ""))
            if aad is None:  # Teams: the app must be installed in the user's personal scope first
                return _error(403, "Forbidden", "The bot is not installed in the user's personal scope.")
            conversation_id = f"a:1personal-{aad}"
            with self._lock:
                activity_id = None
                if params.get("activity") is not None:
                    activity_id = str(uuid.uuid4().int % 10**13)
                    self.sent.append(Sent("POST", conversation_id, params["activity"], activity_id))
            return web.json_response({"id": conversation_id, "activityId": activity_id,
                                      "serviceUrl": self.service_url}, status=201)
        conversation_id = f"{channel};messageid={uuid.uuid4().int % 10**13}" if channel \
            else f"a:1{uuid.uuid4().hex}"
        activity_id = conversation_id.split("=", 1)[1] if channel else None
        with self._lock:
            self._conversations[conversation_id].params = params
            self._conversations[conversation_id].members.extend(params.get("members") or [])
            if params.get("activity") is not None:
                activity_id = activity_id or str(uuid.uuid4().int % 10**13)
                self.sent.append(Sent("POST", conversation_id, params["activity"], activity_id))
        return web.json_response({"id": conversation_id, "activityId": activity_id, "serviceUrl": self.service_url},
                                 status=201)

    async def _send(self, request: web.Request) -> web.Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        conversation_id = request.match_info["cid"]
        activity = await request.json()
        if reason := self._invalid(activity, conversation_id):
            return _error(400, "BadArgument", reason)
        if (limited := self._rate_limited(conversation_id)) is not None:
            return limited
        activity_id = str(int(time.time() * 1000) * 1000 + len(self.sent))
        with self._lock:
            self.sent.append(Sent("POST", conversation_id, activity, activity_id, request.match_info.get("aid")))
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        conversation_id, activity_id = request.match_info["cid"], request.match_info["aid"]
        activity = await request.json()
        if reason := self._invalid(activity):
            return _error(400, "BadArgument", reason)
        with self._lock:
            if not any(s.activity_id == activity_id and s.conversation_id == conversation_id for s in self.sent):
                return _error(404, "ActivityNotFoundInConversation", "Unknown activity.")
        if (limited := self._rate_limited(conversation_id)) is not None:
            return limited
        with self._lock:
            self.sent.append(Sent("PUT", conversation_id, activity, activity_id))
        return web.json_response({"id": activity_id})

    async def _upload(self, request: web.Request) -> web.Response:
        """OneDrive's upload session: one PUT with the whole file and a matching Content-Range."""
        data = await request.read()
        expected = f"bytes 0-{len(data) - 1}/{len(data)}"
        if not data or request.headers.get("Content-Range") != expected:
            return _error(400, "invalidRange", f"Content-Range must be {expected!r} for a single-range upload")
        with self._lock:
            self.uploads[request.match_info["uid"]] = data
        return web.json_response({"id": request.match_info["uid"], "size": len(data)}, status=201)

    async def _members(self, request: web.Request) -> web.Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        with self._lock:
            return web.json_response(list(self._conversations[request.match_info["cid"]].members))

    async def _member(self, request: web.Request) -> web.Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        wanted = request.match_info["uid"]
        with self._lock:
            for member in self._conversations[request.match_info["cid"]].members:
                if wanted in (member.get("id"), member.get("aadObjectId")):
                    return web.json_response(member)
        return _error(404, "MemberNotFoundInConversation", "The member was not found in the conversation.")


__all__ = ["APP_ID", "APP_PASSWORD", "BOT_FRAMEWORK_ISSUER", "TENANT_ID", "Sent", "TeamsSimulator", "TokenKind"]
