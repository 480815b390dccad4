"""Where a handoff lives in Slack: a dedicated private channel, or a thread in a shared one.

Channel sprawl is the first complaint about deal-room tools, so the playbook chooses per
segment. Channel creation sits behind Slack's Tier 2 limit; every step here is recorded by
the caller's delivery, so a retry never creates a second channel or card.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from bot.slack.calls import SlackCaller, SlackRefused
from bot.slack.channel_names import channel_name
from bot.slack.channels import WORKSPACE, SlackChannels
from bot.slack.escape import escape_mrkdwn, literal, truncate_mrkdwn
from bot.slack.views.card import card_text, handoff_card
from bot.slack.views.fmt import segment_label
from core.handoff import Handoff
from core.playbook import Playbook
from core.ports import Clock
from storage.chat_refs import ChatRefs


class _Delivery(Protocol):
    """What places need from one outbox message's delivery (the notifier's implements it):
    recorded steps, the handoff's Slack references, and posting. A protocol here keeps places
    from importing the notifier that imports it."""

    handoff: Handoff
    refs: dict[str, str]
    user_ids: dict[str, str]

    async def step(self, name: str, action: Callable[[], Awaitable[str]]) -> str: ...
    async def set_ref(self, name: str, value: str) -> None: ...
    async def person(self, email: str) -> str | None: ...
    async def post(self, channel: str, text: str, *, blocks: list[dict[str, Any]] | None = None,
                   key: str | None = None, thread_ts: str | None = None) -> str: ...
    async def post_in_place(self, text: str, *, blocks: list[dict[str, Any]] | None = None,
                            threaded: bool = False) -> str: ...

MAX_SUFFIX = 20
_HARMLESS_INVITE_ERRORS = frozenset({
    "already_in_channel", "cant_invite_self", "user_not_found", "user_is_restricted",
    "user_is_ultra_restricted", "cant_invite", "user_disabled", "ura_max_channels",
})
TOPIC_MAX = 250


class SlackPlaces:
    def __init__(self, *, call: SlackCaller, playbook: Playbook, refs: ChatRefs, clock: Clock) -> None:
        self._call = call
        self._playbook = playbook
        self._refs = refs
        self._clock = clock
        self._channels = SlackChannels(call=call, refs=refs, clock=clock)
        self._members: dict[str, set[str]] = {}  # shared channel -> people Baton invited

    async def open_channel(self, d: _Delivery, *, ae_id: str | None, csm_id: str | None) -> None:
        h = d.handoff
        channel = await d.step("create_channel", lambda: self._create(d))
        await d.set_ref("channel", channel)
        people = [u for u in (ae_id, csm_id, *(await self.manager_ids(d))) if u]
        if people:
            await d.step("invite", lambda: self._invite(channel, people))
        await self._post_card(d, channel, thread=False)
        card_ts = d.refs["card_ts"]
        await d.step("pin", lambda: self._pin(channel, card_ts))
        # Slack formats topics and purposes like messages: a `<!channel>` or `*bold*` in an
        # account name would render as a mention or markup, so user text is escaped here too.
        segment = segment_label(self._playbook, h.segment)
        topic = truncate_mrkdwn(literal(f"Handoff of {h.deal.account}: {h.deal.name} ({segment})"), TOPIC_MAX)
        await d.step("topic", lambda: self._ok("conversations.setTopic", channel=channel, topic=topic))
        purpose = truncate_mrkdwn(escape_mrkdwn(f"Baton handoff {h.id}: from {h.ae.email} to {h.csm.email}"), TOPIC_MAX)
        await d.step("purpose", lambda: self._ok("conversations.setPurpose", channel=channel, purpose=purpose))
        if h.deal.crm_url:
            url = h.deal.crm_url
            await d.step("bookmark", lambda: self._ok(
                "bookmarks.add", channel_id=channel, title="CRM record", type="link", link=url))

    async def open_thread(self, d: _Delivery, *, ae_id: str | None, csm_id: str | None) -> None:
        channel = await self.shared_channel()
        await d.set_ref("channel", channel)
        # A mention only notifies members: without this the AE, the CSM and the managers would
        # never hear what happens in the thread (a request for an exception, the flip). People
        # already invited once are not invited again: invites share a Tier 3 budget.
        wanted = [u for u in (ae_id, csm_id, *(await self.manager_ids(d))) if u]
        people = await self._not_yet_members(channel, wanted)
        if people:
            await d.step("invite", lambda: self._invite(channel, people))
            await self._remember_members(channel, people)
        # The AE and CSM are mentioned on the card itself (its fields, and the notification
        # text that mobile clients show), not in a reply: the shared channel takes about one
        # message a second, and at quarter end every post there delays the next handoff's card.
        mentions = [f"<@{u}>" for u in (ae_id, csm_id) if u]
        await self._post_card(d, channel, thread=True, mentions=mentions)

    async def _post_card(self, d: _Delivery, channel: str, *, thread: bool, mentions: Sequence[str] = ()) -> None:
        blocks = handoff_card(d.handoff, self._playbook, user_ids=d.user_ids, now=self._clock.now())
        text = card_text(d.handoff)
        if mentions:
            text = f"{text} ({' and '.join(mentions)}: this thread is the handoff)"

        async def post() -> str:
            ts = await d.post(channel, text, blocks=blocks)
            await d.set_ref("card_ts", ts)
            if thread:
                await d.set_ref("thread_ts", ts)
            return ts

        ts = await d.step("card", post)
        d.refs.setdefault("card_ts", ts)
        if thread:
            d.refs.setdefault("thread_ts", ts)

    async def _create(self, d: _Delivery) -> str:
        """Create the channel; on `name_taken` adopt our own channel or try the next suffix."""
        h = d.handoff
        values = {"account": h.deal.account, "deal_id": h.deal.id, "deal": h.deal.name,
                  "segment": h.segment, "handoff_id": h.id}
        template = self._playbook.channels.name_template
        for suffix in range(MAX_SUFFIX):
            name = channel_name(template, suffix=suffix, **values)
            # Remember the name before asking: if we crash after Slack created the channel,
            # the retry meets `name_taken` for a name we tried, and adopts our own channel.
            tried_before = d.refs.get("channel_name") == name
            await d.set_ref("channel_name", name)
            try:
                answer = await self._call("conversations.create", name=name, is_private=self._playbook.channels.private)
                return str(answer["channel"]["id"])
            except SlackRefused as refused:
                if refused.error != "name_taken":
                    raise
            if tried_before:
                adopted = await self._find_by_name(name)
                if adopted:
                    return adopted
        raise SlackRefused("conversations.create", "name_taken")

    async def _find_by_name(self, name: str) -> str | None:
        return await self._channels.find(name)

    async def _invite(self, channel: str, users: list[str]) -> str:
        """Invite everyone in one call; if Slack refuses the batch, invite one by one so a
        deactivated manager or a stale id never keeps the AE and CSM out."""
        unique = list(dict.fromkeys(users))
        try:
            await self._call("conversations.invite", channel=channel, users=",".join(unique), force=True)
            return "invited"
        except SlackRefused as refused:
            if refused.error in ("already_in_channel", "cant_invite_self") and len(unique) == 1:
                return "invited"
        skipped = []
        for user in unique:
            try:
                await self._call("conversations.invite", channel=channel, users=user)
            except SlackRefused as refused:
                if refused.error not in _HARMLESS_INVITE_ERRORS:
                    raise
                skipped.append(f"{user}:{refused.error}")
        return "invited" + (f" (skipped {', '.join(skipped)})" if skipped else "")

    async def _not_yet_members(self, channel: str, users: list[str]) -> list[str]:
        known = self._members.setdefault(channel, set())
        if not known:
            stored = await asyncio.to_thread(self._refs.all, WORKSPACE)
            known |= {name.split(":", 2)[2] for name in stored if name.startswith(f"member:{channel}:")}
        return [u for u in dict.fromkeys(users) if u not in known]

    async def _remember_members(self, channel: str, users: list[str]) -> None:
        self._members.setdefault(channel, set()).update(users)
        for user in users:
            await asyncio.to_thread(self._refs.set, WORKSPACE, f"member:{channel}:{user}", "invited",
                                    at=self._clock.now())

    async def _pin(self, channel: str, ts: str) -> str:
        try:
            await self._call("pins.add", channel=channel, timestamp=ts)
        except SlackRefused as refused:
            if refused.error != "already_pinned":
                raise
        return "pinned"

    async def _ok(self, method: str, **params: Any) -> str:
        await self._call(method, **params)
        return "done"

    async def shared_channel(self) -> str:
        """The shared handoffs channel by name: found, or created public, and joined."""
        name = self._playbook.channels.shared_channel.lstrip("#")
        return await self._named_channel(name)

    async def _named_channel(self, name: str) -> str:
        return await self._channels.named(name)

    async def manager_ids(self, d: _Delivery) -> list[str]:
        """Managers named in the playbook by Slack id or email (user groups are left to Slack)."""
        roles = self._playbook.roles
        found: list[str] = []
        for entry in dict.fromkeys([*roles.sales_managers, *roles.cs_managers]):
            if entry.startswith(("U", "W")) and entry.isalnum():
                found.append(entry)
            elif "@" in entry and not entry.startswith("@"):
                user_id = await d.person(entry)
                if user_id:
                    found.append(user_id)
        return found

    async def report_unknown(self, d: _Delivery, email: str) -> str:
        """Tell RevOps, never drop silently: the CRM names someone Slack does not know."""
        text = (f":warning: Baton could not find a Slack user with the email {escape_mrkdwn(email)} "
                f"for the handoff of {literal(d.handoff.deal.account)} ({d.handoff.id}). "
                "Fix the email in the CRM or invite them to Slack; the handoff continues without them.")
        return await self.tell_revops(d, text)

    async def tell_revops(self, d: _Delivery, text: str) -> str:
        """Post to the managers' channel, else DM the RevOps people named by Slack id."""
        target = self._playbook.channels.managers_channel
        if target:
            channel = await self._named_channel(target.lstrip("#"))
            return await d.post(channel, text)
        for entry in self._playbook.roles.revops:
            if entry.startswith(("U", "W")) and entry.isalnum():
                return await d.post(entry, text)
        return "nobody to tell"
