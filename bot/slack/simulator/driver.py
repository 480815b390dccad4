"""The people side of the simulated workspace: they type `/handoff`, click buttons and fill
modals, and Slack (this driver) sends Baton exactly what real Slack would: signed requests,
slash commands form-encoded, interactions as a `payload` form field, events as JSON.

It also does what the Slack client does with Baton's answers: a view submission answered with
`response_action: update` replaces the modal, `errors` keeps it open with messages, an empty
answer closes it.

`SlackPeople(sim, socket_mode=True)` sends the same payloads over Socket Mode instead, to an app
connected to the simulator's websocket: envelopes of type `slash_commands`, `interactive` and
`events_api`, and the app's acknowledgement (its `payload`) stands for the HTTP answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.slack.simulator.shapes import message_json, view_json
from bot.slack.simulator.simulator import SlackSimulator
from bot.slack.simulator.state import View

FORM = "application/x-www-form-urlencoded"
# Interactions whose envelope accepts a response payload, as their HTTP answer carries one
# (a view submission's response_action, a select menu's options); a click's answer has none.
ANSWERED_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})
NO_ACK = 0  # Answer.status over Socket Mode when no ack came within 3 seconds


@dataclass
class Answer:
    """Baton's answer to one request, and what the person now sees because of it.

    Over HTTP: the status and body. Over Socket Mode: 200 and the ack's payload (or "" when
    the ack had none, or the envelope accepts none), or NO_ACK (0) when none came in 3 s.
    """

    status: int
    body: dict[str, Any] | str
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        if isinstance(self.body, dict):
            return json.dumps(self.body)
        return self.body


class SlackPeople:
    def __init__(
        self, sim: SlackSimulator, *, url: str = "", signing_secret: str = "", socket_mode: bool = False
    ) -> None:
        """Over HTTP to `url`, signed with `signing_secret`; or with `socket_mode`, over the
        simulator's Socket Mode connection to the app (which must be connected by then)."""
        if socket_mode == bool(url):
            raise ValueError("give either url (and signing_secret) or socket_mode=True")
        self.sim = sim
        self.url = url
        self.socket_mode = socket_mode
        self._secret = signing_secret
        self._session: aiohttp.ClientSession | None = None
        self._typed: dict[str, dict[str, Any]] = {}  # view id -> what the person typed, kept on errors

    async def __aenter__(self) -> SlackPeople:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    # -- what people do -------------------------------------------------------------------

    async def command(self, user: str, text: str, *, channel: str | None = None) -> Answer:
        channel = channel or self._im_channel(user)
        form = {
            "token": "verification-token-unused",
            "team_id": self.sim.team_id,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "directmessage",
            "user_id": user,
            "user_name": self._name(user),
            "command": "/handoff",
            "text": text,
            "api_app_id": self.sim.workspace.app_id,
            "is_enterprise_install": "false",
            "response_url": f"{self.sim.api_url}response/{secrets.token_hex(8)}",
            "trigger_id": self.sim.issue_trigger_id(user),
        }
        if self.socket_mode:
            return await self._over_socket("slash_commands", form, accepts_response_payload=True)
        return await self._send(urlencode(form), FORM)

    async def click(
        self,
        user: str,
        action_id: str,
        *,
        channel: str | None = None,
        in_view: bool = False,
        value: str | None = None,
        retry_num: int | None = None,
    ) -> Answer:
        """Click the newest button with this action id the person can see: in their open modal
        (`in_view`), in a channel's messages and threads, or in their DM with Baton."""
        if in_view:
            view = self._top_view(user)
            block_id, element = _find_action(view["blocks"], action_id, value)
            payload = self._base("block_actions", user) | {
                "container": {"type": "view", "view_id": view["id"]},
                "view": view,
                "actions": [_action(block_id, element)],
            }
        else:
            channel_id = channel or self._im_channel(user)
            message, block_id, element = self._find_in_messages(channel_id, action_id, value)
            payload = self._base("block_actions", user) | {
                "container": {
                    "type": "message",
                    "message_ts": message["ts"],
                    "channel_id": channel_id,
                    "is_ephemeral": False,
                },
                "channel": {"id": channel_id, "name": channel_id},
                "message": message,
                "state": {"values": {}},
                "actions": [_action(block_id, element)],
                "response_url": f"{self.sim.api_url}response/{secrets.token_hex(8)}",
            }
        return await self._send_payload(payload, retry_num=retry_num)

    async def submit(self, user: str, values: dict[str, Any] | None = None) -> Answer:
        """Fill the open modal (by block id, in plain Python values) and press its submit button."""
        view = self._top_view(user)
        typed = {**self._typed.pop(view["id"], {}), **(values or {})}
        view["state"] = {"values": _state(view["blocks"], typed)}
        payload = self._base("view_submission", user) | {"view": view, "response_urls": []}
        answer = await self._send_payload(payload)
        if answer.errors:
            self._typed[view["id"]] = typed  # Slack's client keeps the inputs when it shows errors
        self._apply(user, view["id"], answer)
        return answer

    async def close(self, user: str, values: dict[str, Any] | None = None) -> Answer:
        """Press Close (with whatever was typed); Baton hears it when the view asks notify_on_close."""
        view = self._top_view(user)
        view["state"] = {"values": _state(view["blocks"], values or {})}
        self.sim.close_views(user)
        if not view.get("notify_on_close"):
            return Answer(200, "")
        payload = self._base("view_closed", user) | {"view": view, "is_cleared": False}
        return await self._send_payload(payload)

    async def open_home(
        self, user: str, *, event_id: str | None = None, retry_num: int | None = None
    ) -> Answer:
        body = {
            "token": "verification-token-unused",
            "team_id": self.sim.team_id,
            "api_app_id": self.sim.workspace.app_id,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": self._im_channel(user),
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
            "authorizations": [
                {"team_id": self.sim.team_id, "user_id": self.sim.bot_user_id, "is_bot": True}
            ],
        }
        if self.socket_mode:
            return await self._over_socket(
                "events_api", body, accepts_response_payload=False, retry_attempt=retry_num or 0,
                retry_reason="timeout" if retry_num else "",
            )
        return await self._send(json.dumps(body), "application/json", retry_num=retry_num)

    # -- what people see ------------------------------------------------------------------

    async def until(self, condition: Callable[[], bool], *, timeout: float = 10.0, what: str = "it") -> None:
        """Wait for what a person would wait for: Baton acks first and answers after (a modal
        opening, an ephemeral reply), exactly as with real Slack."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout:.0f}s for {what}")
            await asyncio.sleep(0.02)

    def modal_is(self, user: str, callback_id: str) -> Callable[[], bool]:
        return lambda: (self.top_view(user) or {}).get("callback_id") == callback_id

    def top_view(self, user: str) -> dict[str, Any] | None:
        views = self.sim.views_for(user)
        return views[-1] if views else None

    # -- plumbing -------------------------------------------------------------------------

    def _top_view(self, user: str) -> dict[str, Any]:
        view = self.top_view(user)
        if view is None:
            raise LookupError(f"{self._name(user)} has no modal open")
        return view

    def _base(self, kind: str, user: str) -> dict[str, Any]:
        return {
            "type": kind,
            "team": {"id": self.sim.team_id, "domain": "acme"},
            "user": {
                "id": user,
                "username": self._name(user),
                "name": self._name(user),
                "team_id": self.sim.team_id,
            },
            "api_app_id": self.sim.workspace.app_id,
            "token": "verification-token-unused",
            "trigger_id": self.sim.issue_trigger_id(user),
            "is_enterprise_install": False,
            "enterprise": None,
        }

    async def _send_payload(
        self, payload: dict[str, Any], *, retry_num: int | None = None
    ) -> Answer:
        if self.socket_mode:  # Slack retries only Events API deliveries, never interactions
            return await self._over_socket(
                "interactive", payload,
                accepts_response_payload=payload.get("type") in ANSWERED_INTERACTIONS,
            )
        body = urlencode({"payload": json.dumps(payload)})
        return await self._send(body, FORM, retry_num=retry_num)

    async def _over_socket(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> Answer:
        """Deliver one envelope to the connected app and read its ack as the HTTP answer."""
        envelope = await self.sim.socket_mode.deliver(
            kind, payload, accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_attempt, retry_reason=retry_reason,
        )
        if not envelope.acked:
            return Answer(NO_ACK, "")
        body: dict[str, Any] | str = (
            envelope.ack_payload if accepts_response_payload and envelope.ack_payload else ""
        )
        errors = body.get("errors", {}) if isinstance(body, dict) else {}
        return Answer(200, body, errors)

    async def _send(
        self,
        body: str,
        content_type: str,
        *,
        retry_num: int | None = None,
        timestamp: int | None = None,
    ) -> Answer:
        assert self._session is not None, "use SlackPeople as an async context manager"
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": slack_signature(self._secret, ts, body),
        }
        if retry_num is not None:
            headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        async with self._session.post(self.url, data=body.encode(), headers=headers) as response:
            raw = await response.text()
        try:
            parsed: dict[str, Any] | str = json.loads(raw) if raw else ""
        except json.JSONDecodeError:
            parsed = raw
        errors = parsed.get("errors", {}) if isinstance(parsed, dict) else {}
        return Answer(response.status, parsed, errors)

    def _apply(self, user: str, view_id: str, answer: Answer) -> None:
        """Do to the modal what Slack's client does with the view_submission answer."""
        action = answer.body.get("response_action") if isinstance(answer.body, dict) else None
        ws = self.sim.workspace
        with self.sim._lock:
            stack = ws.stacks.get(user, [])
            if action == "errors" or answer.status != 200:
                return
            new_view: dict[str, Any] = answer.body.get("view", {}) if isinstance(answer.body, dict) else {}
            if action == "update":
                old = ws.views[view_id]
                ws.views[view_id] = View(
                    view_id,
                    user,
                    new_view,
                    ws.view_hash(),
                    old.root_view_id,
                    old.previous_view_id,
                )
            elif action == "push":
                new_id = ws.mint("V")
                ws.views[new_id] = View(
                    new_id, user, new_view, ws.view_hash(), stack[0], view_id
                )
                stack.append(new_id)
            elif action == "clear":
                for v in stack:
                    ws.views.pop(v, None)
                stack.clear()
            elif view_id in stack:
                stack.remove(view_id)
                ws.views.pop(view_id, None)

    def _find_in_messages(
        self, channel: str, action_id: str, value: str | None
    ) -> tuple[dict[str, Any], str, dict[str, Any]]:
        ws = self.sim.workspace
        with self.sim._lock:
            messages = [message_json(ws, m) for m in ws.messages.get(channel, [])]
        for message in reversed(messages):
            try:
                block_id, element = _find_action(message.get("blocks") or [], action_id, value)
            except LookupError:
                continue
            return message, block_id, element
        raise LookupError(f"no button {action_id} in {channel}")

    def _im_channel(self, user: str) -> str:
        ws = self.sim.workspace
        with self.sim._lock:
            channel, _ = ws.open_im(user)
            return channel.id

    def _name(self, user: str) -> str:
        found = self.sim.workspace.users.get(user)
        return found.name if found else user

    def view_json_of(self, view: View) -> dict[str, Any]:
        return view_json(self.sim.workspace, view)


def slack_signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _find_action(
    blocks: list[dict[str, Any]], action_id: str, value: str | None
) -> tuple[str, dict[str, Any]]:
    for block in reversed(blocks):
        elements = list(block.get("elements", [])) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("action_id") == action_id and (
                value is None or element.get("value") == value
            ):
                return str(block.get("block_id", "")), element
    raise LookupError(f"no element with action_id {action_id}")


def _action(block_id: str, element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": element.get("type", "button"),
        "block_id": block_id,
        "action_id": element["action_id"],
        "text": element.get("text"),
        "value": element.get("value", ""),
        "action_ts": f"{time.time():.6f}",
    }


def _state(blocks: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any]:
    """The view state Slack would send: initial values, overridden by what the person typed."""
    state: dict[str, Any] = {}
    for block in blocks:
        if block.get("type") != "input":
            continue
        element = block["element"]
        block_id = block["block_id"]
        entry = _entry(element, values[block_id]) if block_id in values else _initial(element)
        state[block_id] = {element["action_id"]: entry}
    return state


def _initial(element: dict[str, Any]) -> dict[str, Any]:
    kind = element["type"]
    entry: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        entry["value"] = element.get("initial_value")
    elif kind == "datepicker":
        entry["selected_date"] = element.get("initial_date")
    elif kind == "static_select":
        entry["selected_option"] = element.get("initial_option")
    elif kind in ("multi_static_select", "checkboxes"):
        entry["selected_options"] = element.get("initial_options", [])
    elif kind == "users_select":
        entry["selected_user"] = element.get("initial_user")
    elif kind == "multi_users_select":
        entry["selected_users"] = element.get("initial_users", [])
    return entry


def _entry(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    options = {o["value"]: o for o in element.get("options", [])}
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        return {"type": kind, "value": None if value is None else str(value)}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind == "static_select":
        return {"type": kind, "selected_option": options[value] if value is not None else None}
    if kind == "multi_static_select":
        return {"type": kind, "selected_options": [options[v] for v in value]}
    if kind == "checkboxes":
        chosen = list(options) if value is True else ([] if value in (False, None) else list(value))
        return {"type": kind, "selected_options": [options[v] for v in chosen]}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(value)}
    raise ValueError(f"the driver cannot type into a {kind}")
