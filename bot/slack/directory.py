"""Who is who in Slack: user ids from CRM emails, emails and roles from Slack user ids.

Handoffs name people by email (that is what the CRM knows); Slack names them by user id.
Lookups are cached in memory, and email -> id also in the database, so a restart or a replay
does not spend Slack's rate limit again.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.calls import SlackCaller, SlackRefused
from core.people import Actor, actor_for
from core.playbook import Roles
from storage.chat_refs import ChatRefs

log = logging.getLogger(__name__)
DIRECTORY = "_slack_directory"
OnTimezone = Callable[[str, str], Awaitable[None]]  # (lower-case email, IANA zone) from a profile
GROUP_TTL_SECONDS = 300.0  # the pseudo-handoff id under which email -> user id is kept


class SlackDirectory:
    def __init__(
        self, *, refs: ChatRefs, roles: Roles, group_ttl: float = GROUP_TTL_SECONDS,
        on_timezone: OnTimezone | None = None,
    ) -> None:
        self._refs = refs
        self._roles = roles
        self._on_timezone = on_timezone  # SLA timers count business hours in each person's zone
        self._ids: dict[str, str | None] = {}
        self._emails: dict[str, str | None] = {}
        self._group_ttl = group_ttl
        self._groups: dict[str, set[str]] = {}  # handle -> member ids
        self._groups_at = -math.inf
        self._lookups: dict[str, asyncio.Future[str | None]] = {}

    async def user_id(self, call: SlackCaller, email: str, *, at: datetime) -> str | None:
        """The Slack id for an email, or None when no Slack user has it (`users_not_found`).

        Concurrent deliveries asking for the same person share one lookup: at quarter end a
        hundred handoffs for one CSM arrive together, and each taking its own Tier 3 slot
        would queue them all behind `users.lookupByEmail` for minutes.
        """
        key = email.lower()
        if key in self._ids:
            return self._ids[key]
        pending = self._lookups.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._lookup(call, email, at=at))
            self._lookups[key] = pending
            pending.add_done_callback(lambda _: self._lookups.pop(key, None))
        return await asyncio.shield(pending)

    async def _lookup(self, call: SlackCaller, email: str, *, at: datetime) -> str | None:
        key = email.lower()
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
        await self._timezone(key, answer["user"])
        await asyncio.to_thread(self._refs.set, DIRECTORY, key, user_id, at=at)
        return user_id

    async def actor(self, client: AsyncWebClient, user_id: str) -> Actor:
        """The person behind a click, with their email (to match the handoff) and playbook roles."""
        if user_id not in self._emails:
            try:
                answer = await client.users_info(user=user_id)
                profile = answer["user"].get("profile", {})
                self._emails[user_id] = profile.get("email")
                if profile.get("email"):
                    await self._timezone(str(profile["email"]).lower(), answer["user"])
            except SlackApiError:
                self._emails[user_id] = None
        email = self._emails[user_id]
        if email:
            self._ids.setdefault(email.lower(), user_id)
        groups = await self._groups_of(client, user_id)
        return actor_for(self._roles, user_id=user_id, email=email, groups=groups)

    async def _groups_of(self, client: AsyncWebClient, user_id: str) -> list[str]:
        """The @handles (among those the playbook names) this person belongs to.

        Membership is read from Slack, cached for a few minutes: RevOps manages who is a
        manager in Slack's user groups, and Baton follows without a restart.
        """
        wanted = {e.lstrip("@").lower() for e in (*self._roles.sales_managers, *self._roles.cs_managers,
                                                  *self._roles.revops) if e.startswith("@")}
        if not wanted:
            return []
        if time.monotonic() - self._groups_at > self._group_ttl:
            try:
                answer = await client.usergroups_list(include_users=True)
                listed: list[dict[str, Any]] = list(answer.get("usergroups", []))
                self._groups = {str(g["handle"]).lower(): set(g.get("users", []))
                                for g in listed if str(g.get("handle", "")).lower() in wanted}
            except SlackApiError as exc:
                log.warning("could not read Slack user groups (%s); @group roles are ignored",
                            exc.response.get("error"))
                self._groups = {}
            self._groups_at = time.monotonic()
        return [handle for handle, members in self._groups.items() if user_id in members]

    async def _timezone(self, email: str, user: dict[str, Any]) -> None:
        zone = user.get("tz")
        if zone and self._on_timezone is not None:
            await self._on_timezone(email, str(zone))

    def known_ids(self) -> dict[str, str]:
        """Emails already resolved to Slack ids, for mentions in views."""
        return {k: v for k, v in self._ids.items() if v}
