"""Inbound activities in the JSON Teams really sends (Bot Framework Activity schema v3 plus
Teams' channelData), so Baton is tested against the shapes it meets in production."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from bot.teams.simulator.server import TeamsSimulator

_ids = itertools.count(1_700_000_000_000)
TEAM_ID = "19:team-general@thread.tacv2"
CHANNEL_ID = "19:handoffs@thread.tacv2"


def user(name: str, *, email: str | None = None) -> dict[str, Any]:
    """A Teams user as the connector's members API returns it (TeamsChannelAccount)."""
    slug = name.lower().replace(" ", ".")
    given, _, surname = name.partition(" ")
    return {"id": f"29:1{uuid.uuid5(uuid.NAMESPACE_DNS, slug).hex}", "name": name,
            "aadObjectId": str(uuid.uuid5(uuid.NAMESPACE_URL, slug)), "email": email or f"{slug}@example.com",
            "userPrincipalName": email or f"{slug}@example.com", "givenName": given, "surname": surname,
            "tenantId": None, "userRole": "user"}


class Activities:
    """Builds activities from one simulated tenant to the bot."""

    def __init__(self, sim: TeamsSimulator, *, bot_name: str = "Baton") -> None:
        self.sim = sim
        self.bot = {"id": f"28:{sim.app_id}", "name": bot_name}

    def _base(self, kind: str, sender: dict[str, Any], conversation: dict[str, Any], channel_data: dict[str, Any],
              timezone: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "type": kind, "id": str(next(_ids)), "timestamp": now.isoformat().replace("+00:00", "Z"),
            "localTimestamp": now.isoformat(), "localTimezone": timezone, "serviceUrl": self.sim.service_url,
            "channelId": "msteams", "from": {k: sender[k] for k in ("id", "name", "aadObjectId")},
            "conversation": conversation, "recipient": dict(self.bot), "locale": "en-US",
            "channelData": channel_data,
        }

    def personal(self, sender: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """A 1:1 chat between the person and the bot (conversation, channelData)."""
        conversation = {"conversationType": "personal", "tenantId": self.sim.tenant_id,
                        "id": f"a:1personal-{sender['aadObjectId']}"}
        return conversation, {"tenant": {"id": self.sim.tenant_id}}

    def channel(self, *, thread: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """A channel (or one thread in it, `;messageid=`) in the simulated team."""
        conversation_id = CHANNEL_ID + (f";messageid={thread}" if thread else "")
        conversation = {"isGroup": True, "conversationType": "channel", "tenantId": self.sim.tenant_id,
                        "id": conversation_id}
        channel_data = {"teamsChannelId": CHANNEL_ID, "teamsTeamId": TEAM_ID,
                        "channel": {"id": CHANNEL_ID, "name": "Handoffs"},
                        "team": {"id": TEAM_ID, "name": "Revenue", "aadGroupId": str(uuid.uuid4())},
                        "tenant": {"id": self.sim.tenant_id}}
        return conversation, channel_data

    def message(self, sender: dict[str, Any], text: str, *, in_channel: bool = True, mention: bool = True,
                timezone: str = "America/New_York", thread: str | None = None) -> dict[str, Any]:
        """A message; in a channel the bot only hears it when @mentioned (`<at>Baton</at> text`)."""
        conversation, channel_data = self.channel(thread=thread) if in_channel else self.personal(sender)
        activity = self._base("message", sender, conversation, channel_data, timezone)
        at = f"<at>{self.bot['name']}</at>"
        activity.update(textFormat="plain", text=f"{at} {text}" if mention else text)
        entities: list[dict[str, Any]] = [{"type": "clientInfo", "locale": "en-US", "country": "US",
                                           "platform": "Web", "timezone": timezone}]
        if mention:
            entities.insert(0, {"type": "mention", "mentioned": dict(self.bot), "text": at})
        activity["entities"] = entities
        return activity

    def installed(self, sender: dict[str, Any], *, in_channel: bool = True) -> dict[str, Any]:
        """conversationUpdate: the app was added to a team (or a personal chat)."""
        conversation, channel_data = self.channel() if in_channel else self.personal(sender)
        activity = self._base("conversationUpdate", sender, conversation, dict(channel_data), "UTC")
        activity["membersAdded"] = [{"id": self.bot["id"]}]
        if in_channel:
            activity["channelData"]["eventType"] = "teamMemberAdded"
        return activity

    def invoke(self, sender: dict[str, Any], name: str, value: dict[str, Any], *, in_channel: bool = True,
               reply_to: str | None = None, thread: str | None = None) -> dict[str, Any]:
        """An invoke from the channel (a thread in it: `thread`) or the person's personal chat."""
        conversation, channel_data = self.channel(thread=thread) if in_channel else self.personal(sender)
        activity = self._base("invoke", sender, conversation, channel_data, "America/New_York")
        activity.update(name=name, value=value)
        if reply_to:
            activity["replyToId"] = reply_to
        return activity

    def card_action(self, sender: dict[str, Any], verb: str, data: dict[str, Any], *, trigger: str = "manual",
                    **kw: Any) -> dict[str, Any]:
        """Universal Actions: an Action.Execute click (`trigger` "manual") or a card's refresh
        ("automatic") arrives as invoke `adaptiveCard/action`."""
        value = {"action": {"type": "Action.Execute", "id": uuid.uuid4().hex, "verb": verb, "data": data},
                 "trigger": trigger}
        return self.invoke(sender, "adaptiveCard/action", value, **kw)

    def card_action_from(self, sender: dict[str, Any], card: dict[str, Any], title: str, **kw: Any) -> dict[str, Any]:
        """The person presses `title` on `card`; only an Action.Execute button sends this invoke."""
        action = find_action(card, title)
        if action.get("type") != "Action.Execute":
            raise ValueError(f"{title!r} is {action.get('type')}, not Action.Execute: no adaptiveCard/action")
        return self.card_action(sender, str(action["verb"]), dict(action.get("data") or {}), **kw)

    def refresh_from(self, sender: dict[str, Any], card: dict[str, Any], **kw: Any) -> dict[str, Any]:
        """The person's Teams client shows `card`: it asks the bot for their own view only when
        the card has a refresh naming them in `userIds` (Teams' user-specific views)."""
        refresh = card.get("refresh") or {}
        if sender["id"] not in refresh.get("userIds", []):
            raise ValueError(f"Teams does not refresh this card for {sender['name']}: they see it as sent")
        action = refresh["action"]
        return self.card_action(sender, str(action["verb"]), dict(action.get("data") or {}), trigger="automatic",
                                **kw)

    def card_submit(self, sender: dict[str, Any], data: dict[str, Any], *, in_channel: bool = False,
                    reply_to: str | None = None, thread: str | None = None) -> dict[str, Any]:
        """An Action.Submit click (clients without Universal Actions): a message with `value`, no
        text, in the conversation the card is in (a thread: `thread`, the root message's id)."""
        conversation, channel_data = self.channel(thread=thread) if in_channel or thread else self.personal(sender)
        activity = self._base("message", sender, conversation, channel_data, "America/New_York")
        activity.update(value=data, textFormat="plain")
        if reply_to:
            activity["replyToId"] = reply_to
        return activity

    def file_consent(self, sender: dict[str, Any], action: str, context: dict[str, Any],
                     upload_info: dict[str, Any] | None = None) -> dict[str, Any]:
        """The person accepted or declined a file consent card: invoke `fileConsent/invoke`."""
        value: dict[str, Any] = {"type": "fileUpload", "action": action, "context": context}
        if upload_info is not None:
            value["uploadInfo"] = upload_info
        return self.invoke(sender, "fileConsent/invoke", value, in_channel=False)

    def task_fetch(self, sender: dict[str, Any], data: dict[str, Any], **kw: Any) -> dict[str, Any]:
        return self.invoke(sender, "task/fetch", {"type": "task/fetch", "data": data, "context": {"theme": "default"}},
                           **kw)

    def task_submit(self, sender: dict[str, Any], data: dict[str, Any], **kw: Any) -> dict[str, Any]:
        return self.invoke(sender, "task/submit", {"type": "task/submit", "data": data,
                                                   "context": {"theme": "default"}}, **kw)

    # Clicks on what the bot sent, checked the way a Teams client checks them: only a button that
    # is on the card can be pressed, only its card's inputs are sent, and a required input left
    # empty stops the client before anything reaches the bot.

    def task_fetch_from(self, sender: dict[str, Any], card: dict[str, Any], title: str, **kw: Any) -> dict[str, Any]:
        """The person presses `title` on `card`: Teams sends `task/fetch` only for an Action.Submit
        whose data asks for it, with that data as it is on the card (`msteams` included)."""
        action = find_action(card, title)
        data = action.get("data") or {}
        if action.get("type") != "Action.Submit" or (data.get("msteams") or {}).get("type") != "task/fetch":
            raise ValueError(f"{title!r} does not open a dialog: Teams sends no task/fetch for it")
        return self.task_fetch(sender, dict(data), **kw)

    def dialog_submit(self, sender: dict[str, Any], card: dict[str, Any], title: str,
                      typed: dict[str, str] | None = None, **kw: Any) -> dict[str, Any]:
        """The person types `typed` into the dialog `card` and presses `title`: Teams sends
        `task/submit` with the button's data and every input's value as a string."""
        action = find_action(card, title)
        inputs = {i["id"]: i for i in _inputs(card.get("body", []))}
        unknown = set(typed or {}) - set(inputs)
        if unknown:
            raise ValueError(f"the dialog has no input {sorted(unknown)}")
        values = {key: str(i.get("value", "")) if i.get("value") is not None else "" for key, i in inputs.items()}
        values.update(typed or {})
        if action.get("associatedInputs") == "none":
            values = {}
        missing = [k for k, i in inputs.items() if i.get("isRequired") and not values.get(k, "").strip()]
        if missing and values:
            raise ValueError(f"Teams does not submit a dialog with required inputs empty: {missing}")
        return self.task_submit(sender, {**values, **(action.get("data") or {})}, **kw)


def find_action(card: dict[str, Any], title: str) -> dict[str, Any]:
    """A button on a card (its actions, or an ActionSet in its body) by its title."""
    actions = list(card.get("actions", []))
    for element in card.get("body", []):
        if element.get("type") == "ActionSet":
            actions += element.get("actions", [])
    for action in actions:
        if action.get("title") == title:
            return dict(action)
    raise ValueError(f"no button {title!r} on the card: {[a.get('title') for a in actions]}")


def _inputs(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for element in elements:
        if str(element.get("type", "")).startswith("Input."):
            found.append(element)
        for key in ("items", "columns"):
            found += _inputs(element.get(key, []))
    return found
