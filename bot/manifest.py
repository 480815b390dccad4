"""The Slack app manifest: what an admin pastes into "Create app from manifest"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import yaml

from bot.slack import scopes

BOT_SCOPES = scopes.bot_scopes()  # generated from what the code calls (bot/slack/scopes.py)


def manifest(base_url: str, *, socket_mode: bool = False, name: str = "Baton") -> dict[str, Any]:
    """One Request URL (`/slack/events`) serves events, interactivity and the slash command."""
    events_url = urljoin(base_url.rstrip("/") + "/", "slack/events")
    command: dict[str, Any] = {
        "command": "/handoff",
        "description": "Handoff status, your queue, overdue items and metrics",
        "usage_hint": "help | status [deal or account] | mine | overdue | open | metrics",
        "should_escape": False,
    }
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": ["app_home_opened"]},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if not socket_mode:
        command["url"] = events_url
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Sales-to-customer-success handoffs that nobody drops",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }


def manifest_yaml(base_url: str, *, socket_mode: bool = False) -> str:
    return yaml.safe_dump(manifest(base_url, socket_mode=socket_mode), sort_keys=False)
