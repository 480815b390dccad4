"""Methods called with the app-level token (`xapp-…`) rather than the bot token: apps.connections.open.

Slack documents it as Tier 1, POST, token in the Authorization header, answering
`{"ok": true, "url": "wss://…/link/?ticket=…&app_id=…"}`: a temporary WebSocket URL the app
connects to for Socket Mode. The simulator's URL points at its own server (`ws://127.0.0.1:…`).
"""

from __future__ import annotations

import secrets
from typing import Any

from bot.slack.simulator.args import Args
from bot.slack.simulator.errors import SlackRefusal
from bot.slack.simulator.methods.common import Handler
from bot.slack.simulator.state import Workspace


def connections_open(ws: Workspace, args: Args) -> dict[str, Any]:
    if ws.socket_url is None:  # not serving: there is nowhere to connect to
        raise SlackRefusal("internal_error")
    ticket = secrets.token_hex(16)
    ws.socket_tickets[ticket] = ws.now()
    return {"ok": True, "url": f"{ws.socket_url}?ticket={ticket}&app_id={ws.app_id}"}


HANDLERS: dict[str, Handler] = {"apps.connections.open": connections_open}
# Methods that take the app-level token; every other method refuses it (`not_allowed_token_type`),
# and these refuse a bot token the same way.
APP_LEVEL = frozenset(HANDLERS)
