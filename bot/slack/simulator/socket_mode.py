"""Slack's side of Socket Mode: the websocket an app opens with the URL from apps.connections.open.

The protocol, as Slack documents it and slack_sdk speaks it:

* on connect Slack sends `{"type": "hello", "num_connections": n, "debug_info": {…},
  "connection_info": {"app_id": …}}`;
* every payload that would have been an HTTP request arrives as an envelope
  `{"envelope_id", "type": "slash_commands" | "interactive" | "events_api",
  "accepts_response_payload", "payload"}` (events also carry `retry_attempt` and
  `retry_reason`), the payload being exactly the HTTP request's: the slash command's form
  fields as an object, the interaction's `payload` object, the Events API's `event_callback`;
* the app acknowledges with `{"envelope_id": …}` within 3 seconds, adding `"payload": {…}`
  where the envelope accepts one (a slash command's reply, a view submission's
  `response_action`): Slack treats it as the HTTP response body;
* Slack asks the app to reconnect with `{"type": "disconnect", "reason": "refresh_requested"
  | "warning" | …}`, after which the app opens a new connection and drops the old one.

Deliveries come from the driver (the people), possibly on another thread's event loop than
the simulator's server; `deliver` hops onto the server's loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.slack.simulator.state import Workspace

log = logging.getLogger(__name__)
ACK_SECONDS = 3.0  # Slack's deadline for an acknowledgement, as over HTTP


@dataclass
class Envelope:
    """One delivery over the socket and what the app answered."""

    envelope_id: str
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    retry_attempt: int | None = None
    retry_reason: str | None = None
    sent_at: float = field(default_factory=time.monotonic)
    acked: bool = False  # within the deadline
    ack_payload: dict[str, Any] | None = None  # the `payload` of the ack, when it had one
    ack_seconds: float | None = None  # how long the ack took (also set for a late one)

    def message(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "payload": self.payload,
            "type": self.type,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            body["retry_attempt"] = self.retry_attempt or 0
            body["retry_reason"] = self.retry_reason or ""
        return body


class NotConnected(LookupError):
    """Nothing to deliver to: the app has no open Socket Mode connection."""


class SocketMode:
    """The connections, the envelopes sent and the acks received, for one simulated app."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.envelopes: list[Envelope] = []
        self.strays: list[Any] = []  # what the app sent that acked no open envelope
        self.connects = 0  # connections ever accepted
        self._open: list[web.WebSocketResponse] = []
        self._waiting: dict[str, tuple[Envelope, asyncio.Future[None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    # -- the server side ------------------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop, url: str) -> None:
        """The simulator serves from `loop`; apps.connections.open hands out `url`."""
        self._loop = loop
        self.workspace.socket_url = url

    async def detach(self) -> None:
        """Stopping: no more URLs, and every open connection closed (1001, going away)."""
        self.workspace.socket_url = None
        for ws in list(self._open):
            await ws.close(code=1001, message=b"simulator stopping")
        self._loop = None

    def admits(self, ticket: str) -> bool:
        """A ticket apps.connections.open issued (Slack's lifetime for one is not documented)."""
        return ticket in self.workspace.socket_tickets

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """`GET /link/?ticket=…`: upgrade, say hello, then read acks until the app hangs up."""
        if not self.admits(request.query.get("ticket", "")):
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True)  # answers the client's pings with pongs
        await ws.prepare(request)
        with self._lock:
            self._open.append(ws)
            self.connects += 1
            count = len(self._open)
        await ws.send_json({
            "type": "hello",
            "num_connections": count,
            "debug_info": {"host": "applink-simulator", "build_number": 1,
                           "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.workspace.app_id},
        })
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._received(message.data)
        finally:
            with self._lock:
                if ws in self._open:
                    self._open.remove(ws)
        return ws

    def _received(self, text: str) -> None:
        try:
            body = json.loads(text)
        except ValueError:
            self.strays.append(text)
            return
        envelope_id = body.get("envelope_id") if isinstance(body, dict) else None
        with self._lock:
            waiting = self._waiting.pop(envelope_id, None) if isinstance(envelope_id, str) else None
        if waiting is None:
            self.strays.append(body)
            return
        envelope, future = waiting
        payload = body.get("payload")
        envelope.ack_payload = payload if isinstance(payload, dict) else None
        envelope.ack_seconds = time.monotonic() - envelope.sent_at
        if not future.done():
            future.set_result(None)

    # -- what Slack sends -----------------------------------------------------------------

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._open)

    async def deliver(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> Envelope:
        """Send one envelope and wait up to 3 seconds for its ack (`envelope.acked` says whether
        it came in time). Raises NotConnected when the app has no connection open."""
        envelope = Envelope(
            envelope_id=str(uuid.uuid4()), type=kind, payload=payload,
            accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_attempt, retry_reason=retry_reason,
        )
        return await self._on_server_loop(self._deliver(envelope))

    async def disconnect(self, reason: str = "refresh_requested") -> int:
        """Ask every connection to reconnect, as Slack does before it recycles one; returns how
        many were asked. The connections stay open until the app closes them."""
        return await self._on_server_loop(self._disconnect(reason))

    async def wait_connected(self, count: int = 1, *, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while self.connections < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no Socket Mode connection within {timeout:.0f}s")
            await asyncio.sleep(0.02)

    async def _deliver(self, envelope: Envelope) -> Envelope:
        with self._lock:
            live = [ws for ws in self._open if not ws.closed]
        if not live:
            raise NotConnected("the app has no Socket Mode connection open")
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        with self._lock:
            self._waiting[envelope.envelope_id] = (envelope, done)
            self.envelopes.append(envelope)
        envelope.sent_at = time.monotonic()
        await live[-1].send_json(envelope.message())  # the newest connection gets it
        try:
            await asyncio.wait_for(asyncio.shield(done), ACK_SECONDS)
            envelope.acked = True
        except TimeoutError:
            # A late ack is still recorded (ack_seconds), but Slack has given up on it.
            log.info("no ack for %s envelope %s within %.0fs", envelope.type, envelope.envelope_id,
                     ACK_SECONDS)
        return envelope

    async def _disconnect(self, reason: str) -> int:
        with self._lock:
            live = [ws for ws in self._open if not ws.closed]
        for ws in live:
            await ws.send_json({"type": "disconnect", "reason": reason,
                                "debug_info": {"host": "applink-simulator"}})
        return len(live)

    async def _on_server_loop(self, work: Any) -> Any:
        loop = self._loop
        if loop is None:
            work.close()
            raise NotConnected("the simulator is not running")
        if loop is asyncio.get_running_loop():
            return await work
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))
