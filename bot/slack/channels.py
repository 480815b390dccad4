"""Finding Slack channels by name: one finder shared by handoff places and nudges.

Both the shared handoffs channel and the managers' channel are named in the playbook, not
by id, so Baton has to look them up, create them when missing, and join them to post. Two
deliveries (or two replicas) can race to create the same name; the loser gets `name_taken`
and adopts the winner's channel instead of failing.
"""

from __future__ import annotations

import asyncio

from bot.slack.calls import SlackCaller, SlackRefused
from core.ports import Clock
from storage.chat_refs import ChatRefs

WORKSPACE = "_slack_workspace"  # pseudo-handoff id for workspace-wide references

# Joining a private channel, or one Baton is already in, is not an error worth stopping for.
_HARMLESS_JOIN_ERRORS = ("method_not_supported_for_channel_type", "already_in_channel")


class SlackChannels:
    """Channels by name: remembered in memory and in the chat refs, found, or created public."""

    def __init__(self, *, call: SlackCaller, refs: ChatRefs, clock: Clock) -> None:
        self._call = call
        self._refs = refs
        self._clock = clock
        self._ids: dict[str, str] = {}

    async def named(self, name: str) -> str:
        """The channel called `name`, which Baton has joined, creating it public if needed."""
        if name in self._ids:
            return self._ids[name]
        stored = await asyncio.to_thread(self._refs.all, WORKSPACE)
        channel = stored.get(f"channel:{name}") or await self.find(name)
        if channel is None:
            channel = await self._create_public(name)
        else:
            await self.join(channel)
        await asyncio.to_thread(self._refs.set, WORKSPACE, f"channel:{name}", channel, at=self._clock.now())
        self._ids[name] = channel
        return channel

    async def find(self, name: str) -> str | None:
        """The id of the unarchived channel called `name` that Baton can see, if any."""
        cursor = ""
        while True:
            answer = await self._call("conversations.list", types="public_channel,private_channel",
                                      exclude_archived=True, limit=200, cursor=cursor)
            for channel in answer.get("channels", []):
                if channel.get("name") == name:
                    return str(channel["id"])
            cursor = answer.get("response_metadata", {}).get("next_cursor", "")
            if not cursor:
                return None

    async def join(self, channel: str) -> None:
        try:
            await self._call("conversations.join", channel=channel)
        except SlackRefused as refused:
            if refused.error not in _HARMLESS_JOIN_ERRORS:
                raise

    async def _create_public(self, name: str) -> str:
        try:
            answer = await self._call("conversations.create", name=name, is_private=False)
            return str(answer["channel"]["id"])
        except SlackRefused as refused:
            if refused.error != "name_taken":
                raise
        # Another delivery (or replica) created it a moment ago: join that one.
        channel = await self.find(name)
        if channel is None:  # a private channel of someone else's has the name
            raise SlackRefused("conversations.create", "name_taken")
        await self.join(channel)
        return channel
