"""Adaptive Cards with Universal Actions (schema 1.4+): buttons are `Action.Execute` (an
`adaptiveCard/action` invoke the bot answers with the replacement card), each with an
`Action.Submit` fallback for clients without Universal Actions, and a `refresh` limited to
`userIds`, so the people named (the CSM, say) get their own view with buttons while everyone
else sees the status card. Renderers of the platform-neutral view-models build on these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

UNIVERSAL_ACTIONS_VERSION = "1.4"
MAX_REFRESH_USERS = 60  # Teams refreshes automatically for at most 60 userIds


class Button(NamedTuple):
    title: str
    verb: str
    data: dict[str, Any]
    style: str = "default"  # "positive" | "destructive" | "default"
    dialog: bool = False  # opens a dialog (task module): Action.Execute cannot, Action.Submit can


def execute(button: Button) -> dict[str, Any]:
    data = {**button.data, "verb": button.verb}
    if button.dialog:  # Teams opens a dialog for an Action.Submit whose data asks for task/fetch
        return {"type": "Action.Submit", "title": button.title, "style": button.style,
                "data": {**data, "msteams": {"type": "task/fetch"}}}
    return {"type": "Action.Execute", "title": button.title, "verb": button.verb, "data": data,
            "style": button.style,
            "fallback": {"type": "Action.Submit", "title": button.title, "data": data}}


def universal_card(body: Sequence[dict[str, Any]], buttons: Sequence[Button] = (), *,
                   refresh_for: Sequence[str] = (), refresh_data: dict[str, Any] | None = None) -> dict[str, Any]:
    """A card; with `refresh_for` (Teams user ids) those users' clients ask the bot for their view."""
    if len(refresh_for) > MAX_REFRESH_USERS:
        raise ValueError(f"Teams refreshes a card for at most {MAX_REFRESH_USERS} users")
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "version": UNIVERSAL_ACTIONS_VERSION, "body": list(body)}
    if buttons:
        card["actions"] = [execute(b) for b in buttons]
    if refresh_for:
        card["refresh"] = {"action": {"type": "Action.Execute", "title": "Refresh", "verb": "refresh",
                                      "data": {**(refresh_data or {}), "verb": "refresh"}},
                           "userIds": list(refresh_for)}
    return card


def text(line: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": line, "wrap": True, **style}
