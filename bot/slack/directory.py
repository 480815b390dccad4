"""Who is who in Slack: user ids from CRM emails, emails and roles from Slack user ids.

Handoffs name people by email (that is what the CRM knows); Slack names them by user id.
Lookups are cached in memory, and email -> id also in the database, so a restart or a replay
does not spend Slack's rate limit again.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.calls import SlackCaller, SlackRefused
from core.people import Actor, actor_for
from core.playbook import Roles
from storage.chat_refs import ChatRefs

DIRECTORY = "_slack_directory"  # the pseudo-handoff id under which email -> user id is kept


class SlackDirectory:
    def __init__(self, *, refs: ChatRefs, roles: Roles) -> None:
        self._refs = refs
        self._roles = roles
        self._ids: dict[str, str | None] = {}
        self._emails: dict[str, str | None] = {}

    async def user_id(self, call: SlackCaller, email: str, *, at: datetime) -> str | None:
        """The Slack id for an email, or None when no Slack user has it (`users_not_found`)."""
        key = email.lower()
        if key in self._ids:
            return self._ids[key]
        stored = await asyncio.to_thread(self._refs.all, DIRECTORY)
        if key in stored:
            self._ids[key] = stored[key]
            return stored[key]
        try:
            answer = await call("users.lookupByEmail", email=email)
        except SlackRefused as refused:
            if refused.error != "users_not_found":
                raise
            self._ids[key] = None  # not stored: the person may join Slack later
            return None
        user_id = str(answer["user"]["id"])
        self._ids[key] = user_id
        await asyncio.to_thread(self._refs.set, DIRECTORY, key, user_id, at=at)
        return user_id

    async def actor(self, client: AsyncWebClient, user_id: str) -> Actor:
        """The person behind a click, with their email (to match the handoff) and playbook roles."""
        if user_id not in self._emails:
            try:
                answer = await client.users_info(user=user_id)
                profile = answer["user"].get("profile", {})
                self._emails[user_id] = profile.get("email")
            except SlackApiError:
                self._emails[user_id] = None
        email = self._emails[user_id]
        if email:
            self._ids.setdefault(email.lower(), user_id)
        return actor_for(self._roles, user_id=user_id, email=email)

    def known_ids(self) -> dict[str, str]:
        """Emails already resolved to Slack ids, for mentions in views."""
        return {k: v for k, v in self._ids.items() if v}
