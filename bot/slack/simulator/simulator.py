"""`SlackSimulator`: a strict stand-in for Slack's Web API that the real slack_sdk clients talk to.

Point `AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)` (or the sync `WebClient`,
via `sim.run_in_thread()`) at it and every call gets the JSON, error codes, rate limits and
Block Kit checks Slack would give. Tests seed the workspace, inject faults, move the clock
and read back what each person would see.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, NamedTuple

from bot.slack import scopes
from bot.slack.simulator.args import Args
from bot.slack.simulator.errors import SlackRefusal
from bot.slack.simulator.faults import EDGE_PAGE, Failure, Faults, Stats
from bot.slack.simulator.limits import RateLimiter
from bot.slack.simulator.methods import APP_LEVEL, HANDLERS, NO_AUTH, NOT_SIMULATED
from bot.slack.simulator.seeding import Seeding
from bot.slack.simulator.server import Running, SimulatorThread
from bot.slack.simulator.shapes import message_json, view_json
from bot.slack.simulator.socket_mode import SocketMode
from bot.slack.simulator.state import Channel, Workspace


class Call(NamedTuple):
    """One request the simulator received, in order: `for method, params in sim.calls`."""

    method: str
    params: dict[str, Any]


@dataclass
class Reply:
    """What goes back over HTTP: a JSON body, or an edge page (str) for injected 5xx."""

    status: int
    body: dict[str, Any] | str | None
    headers: dict[str, str] = field(default_factory=dict)


class SlackSimulator(Seeding):
    """A simulated Slack workspace and the Web API serving it (see the module docstring)."""

    def __init__(
        self,
        *,
        team_name: str = "Baton Demo",
        domain: str = "baton-demo",
        rate_limits: bool = True,
        time_scale: float = 1.0,
        clock: Callable[[], float] | None = None,
        bot_scopes: Iterable[str] | None = None,
    ) -> None:
        self.now: Callable[[], float] = clock or time.time
        self.workspace = Workspace(team_name=team_name, domain=domain, now=lambda: self.now())
        # What a real install from `baton manifest` grants, unless a test narrows it.
        self.workspace.bot_scopes = frozenset(scopes.bot_scopes() if bot_scopes is None else bot_scopes)
        self.rate_limits = rate_limits
        self.limiter = RateLimiter(now=lambda: self.now(), time_scale=time_scale)
        self.faults = Faults()
        self.stats = Stats()
        self.calls: list[Call] = []
        self.socket_mode = SocketMode(self.workspace)  # the app's Socket Mode connections
        self._lock = threading.RLock()
        self._running: Running | None = None
        self._thread: SimulatorThread | None = None

    # identity ---------------------------------------------------------------------------------
    @property
    def bot_token(self) -> str:
        return self.workspace.bot_token

    @property
    def app_token(self) -> str:
        """The app-level token (`xapp-…`) that opens Socket Mode connections."""
        return self.workspace.app_token

    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot.id

    @property
    def team_id(self) -> str:
        return self.workspace.team_id

    # faults -----------------------------------------------------------------------------------
    def fail_next(self, method: str, status: int = 500, times: int = 1, body: str = "html") -> None:
        """The next `times` calls of `method` get HTTP `status` with an HTML page (or no body)."""
        with self._lock:
            self.faults.failures[method] = Failure(status, times, body)

    def outage(self, start: bool = True) -> None:
        """Every method answers 503 until `outage(False)`."""
        with self._lock:
            self.faults.down = start

    def slow(self, method: str, seconds: float) -> None:
        """Delay every answer of `method` by `seconds` (0 to stop)."""
        with self._lock:
            self.faults.delays[method] = seconds

    def delay_for(self, method: str) -> float:
        with self._lock:
            return self.faults.delays.get(method, 0.0)

    # the Web API ------------------------------------------------------------------------------
    def dispatch(self, method: str, values: dict[str, Any], token: str | None) -> Reply:
        """Answer one call as Slack would: edge faults, method, auth, rate limit, then the method."""
        with self._lock:
            self.calls.append(Call(method, copy.deepcopy(values)))
            self.stats.calls[method] += 1
            failure = (
                Failure(503, 1, "html") if self.faults.down else self.faults.take_failure(method)
            )
            if failure:
                self.stats.server_errors[method] += 1
                page = EDGE_PAGE.format(status=failure.status) if failure.body == "html" else None
                return Reply(failure.status, page)
            if method not in HANDLERS:
                if method in NOT_SIMULATED:
                    return self._refused(
                        method, SlackRefusal("not_simulated", extra={"req_method": method}), 501
                    )
                return self._refused(
                    method, SlackRefusal("unknown_method", extra={"req_method": method})
                )
            if method not in NO_AUTH:
                if not token:
                    return self._refused(method, SlackRefusal("not_authed"))
                if token not in (self.bot_token, self.app_token):
                    return self._refused(method, SlackRefusal("invalid_auth"))
                if (token == self.app_token) != (method in APP_LEVEL):
                    # an app-level token outside apps.*, or a bot token opening a socket
                    return self._refused(method, SlackRefusal("not_allowed_token_type"))
                if token == self.bot_token:
                    lacking = self._missing_scope(method, values)
                    if lacking is not None:
                        return lacking
            if self.rate_limits and token:
                key = self.limiter.key(token, method, Args(values).text("channel"))
                wait = self.limiter.admit(key, method)
                if wait is not None:
                    self.stats.ratelimited[method] += 1
                    return Reply(
                        429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)}
                    )
            try:
                body = HANDLERS[method](self.workspace, Args(values))
            except SlackRefusal as refusal:
                return self._refused(method, refusal)
            return Reply(200, body)

    def _missing_scope(self, method: str, values: dict[str, Any]) -> Reply | None:
        """Slack's answer to a bot token without the scope this call needs, as Slack words it."""
        granted = self.workspace.bot_scopes
        needed = scopes.missing(method, self._kinds(method, values), granted)
        if needed is None:
            return None
        provided = ",".join(sorted(granted))
        reply = self._refused(
            method, SlackRefusal("missing_scope", extra={"needed": needed, "provided": provided})
        )
        reply.headers.update({"x-oauth-scopes": provided, "x-accepted-oauth-scopes": needed})
        return reply

    def _kinds(self, method: str, values: dict[str, Any]) -> list[str | None]:
        """The kinds of conversation a call touches, where the scope depends on them."""
        if method == "conversations.create":
            private = str(values.get("is_private", "")).lower() in {"true", "1"}
            return [scopes.PRIVATE if private else scopes.PUBLIC]
        if method == "conversations.list":
            types = str(values.get("types") or "public_channel").split(",")
            return [scopes.LIST_TYPES.get(t.strip()) for t in types]
        found = self.workspace.channels.get(str(values.get("channel", "")))
        if found is None:
            return [None]
        if found.is_im:
            return [scopes.IM]
        return [scopes.PRIVATE if found.is_private else scopes.PUBLIC]

    def refuse(self, method: str, refusal: SlackRefusal) -> Reply:
        """A request that could not even be read (bad JSON, no content type)."""
        with self._lock:
            self.calls.append(Call(method, {}))
            self.stats.calls[method] += 1
            return self._refused(method, refusal)

    def _refused(self, method: str, refusal: SlackRefusal, status: int = 200) -> Reply:
        self.stats.errors[method] += 1
        return Reply(status, refusal.body())

    # inspection -------------------------------------------------------------------------------
    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Every message in a channel (id, name, or a person's id for their DM), oldest first."""
        with self._lock:
            found = self._channel(channel)
            return [
                message_json(self.workspace, m) for m in self.workspace.messages.get(found.id, [])
            ]

    def channel_by_name(self, name: str) -> Channel | None:
        with self._lock:
            found = self.workspace.channel_named(name)
            return copy.deepcopy(found) if found else None

    def ims(self, user_id: str) -> list[dict[str, Any]]:
        """What the bot said to `user_id` in their DM, oldest first."""
        with self._lock:
            im = self.workspace.im_with(user_id)
            return (
                [message_json(self.workspace, m) for m in self.workspace.messages.get(im.id, [])]
                if im
                else []
            )

    def views_for(self, user_id: str) -> list[dict[str, Any]]:
        """The person's open modal stack, root first."""
        with self._lock:
            ws = self.workspace
            return [view_json(ws, ws.views[v]) for v in ws.stacks.get(user_id, []) if v in ws.views]

    def home(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            ws = self.workspace
            view = ws.views.get(ws.homes.get(user_id, ""))
            return view_json(ws, view) if view else None

    def ephemerals(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self.workspace.ephemerals.get(user_id, []))

    def user_names(self) -> dict[str, str]:
        """user id -> display name, for `render` to turn `<@U…>` into `@name`."""
        with self._lock:
            return {u.id: u.name for u in self.workspace.users.values()}

    # lifecycle --------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        if self._running is None:
            raise RuntimeError(
                "the simulator is not running: await sim.start() or use run_in_thread()"
            )
        return f"http://127.0.0.1:{self._running.port}/api/"

    async def start(self) -> None:
        if self._running is not None:
            raise RuntimeError("the simulator is already running")
        self._running = await Running.start(self)

    async def stop(self) -> None:
        if self._running is not None:
            running, self._running = self._running, None
            await running.stop()

    def run_in_thread(self) -> SimulatorThread:
        """Serve from a background thread with its own loop, for synchronous code."""
        return SimulatorThread(self)

    def __enter__(self) -> SlackSimulator:
        """`with SlackSimulator() as sim:` serves from a background thread (synchronous code)."""
        self._thread = self.run_in_thread()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread is not None:
            thread, self._thread = self._thread, None
            thread.close()

    async def __aenter__(self) -> SlackSimulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
