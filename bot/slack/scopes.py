"""Every Slack Web API method Baton calls, and the bot scopes Slack requires for it.

The manifest's scopes are generated from this table (`bot.manifest`), the simulator refuses a
call whose scope the install lacks exactly as Slack does (`missing_scope`), and a test scans the
code so that a new call without an entry here fails before it reaches a real workspace. Some
methods need a different scope per kind of conversation (Slack's method pages list them: a
private channel is `groups:*`, a public one `channels:*`); `kinds` says which of those Baton
actually touches, so the manifest asks for those alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

PUBLIC, PRIVATE, IM, MPIM = "public", "private", "im", "mpim"
ALL_KINDS = (PUBLIC, PRIVATE, IM, MPIM)
LIST_TYPES = {"public_channel": PUBLIC, "private_channel": PRIVATE, "im": IM, "mpim": MPIM}


@dataclass(frozen=True)
class Need:
    """What one method requires: one scope, or one per conversation kind."""

    scope: str | None = None
    by_kind: dict[str, str] = field(default_factory=dict)
    kinds: tuple[str, ...] = ()  # the kinds Baton uses, when the scope depends on the kind
    why: str = ""
    by_sdk: bool = False  # called by Bolt / slack_sdk, not by name in Baton's code

    def scope_for(self, kind: str | None) -> str | None:
        if self.scope is not None or kind is None:
            return self.scope
        return self.by_kind.get(kind)

    def granted_scopes(self) -> set[str]:
        """The scopes a Baton install needs for this method."""
        if self.scope is not None:
            return {self.scope}
        return {self.by_kind[k] for k in self.kinds}


_CHANNEL_WRITE = {PUBLIC: "channels:manage", PRIVATE: "groups:write", IM: "im:write", MPIM: "mpim:write"}
_CHANNEL_READ = {PUBLIC: "channels:read", PRIVATE: "groups:read", IM: "im:read", MPIM: "mpim:read"}

METHODS: dict[str, Need] = {
    "auth.test": Need(why="`baton serve` checks the bot token at start", by_sdk=True),
    "apps.connections.open": Need(why="Socket Mode (app-level token, connections:write)", by_sdk=True),
    "chat.postMessage": Need("chat:write", why="cards, briefs, DMs, thread replies, digests"),
    "chat.update": Need("chat:write", why="the card changes in place after a decision"),
    "chat.postEphemeral": Need("chat:write", why="refusals and answers only the clicker sees"),
    "conversations.create": Need(
        by_kind=_CHANNEL_WRITE, kinds=(PUBLIC, PRIVATE),
        why="a private channel per deal; the shared public `handoffs` channel"),
    "conversations.invite": Need(
        by_kind=_CHANNEL_WRITE, kinds=(PUBLIC, PRIVATE),
        why="the AE, the CSM and the managers join the deal's place"),
    "conversations.setTopic": Need(
        by_kind=_CHANNEL_WRITE, kinds=(PUBLIC, PRIVATE), why="the deal channel's topic: status and due"),
    "conversations.setPurpose": Need(
        by_kind=_CHANNEL_WRITE, kinds=(PUBLIC, PRIVATE), why="the deal channel's purpose"),
    "conversations.join": Need("channels:join", why="Baton enters the shared `handoffs` channel itself"),
    "conversations.list": Need(
        by_kind=_CHANNEL_READ, kinds=(PUBLIC, PRIVATE),
        why="finds the shared and managers' channels, and its own channel after `name_taken`"),
    "conversations.open": Need("im:write", why="opens a DM to send an export or a chart"),
    "pins.add": Need("pins:write", why="the card is pinned in the deal channel"),
    "bookmarks.add": Need("bookmarks:write", why="the CRM record bookmarked in the deal channel"),
    "users.info": Need("users:read", why="time zones for quiet hours and business-time SLAs"),
    "users.lookupByEmail": Need("users:read.email", why="AE and CSM found by their CRM email"),
    "usergroups.list": Need("usergroups:read", why="roles given as @user-groups in app.yaml"),
    "views.open": Need(why="the packet and deal modals (no scope)"),
    "views.push": Need(why="stacked modals (no scope)"),
    "views.update": Need(why="Back/Next and drafting updates in modals (no scope)"),
    "views.publish": Need(why="the App Home (no scope)"),
    "files.list": Need("files:read", why="call notes shared where the handoff lives"),
    "files.info": Need("files:read", why="reads a shared call-notes file"),
    "files.getUploadURLExternal": Need("files:write", why="the digest chart and CSV exports"),
    "files.completeUploadExternal": Need("files:write", why="the digest chart and CSV exports"),
}

EXTRA_SCOPES = {"commands": "the `/handoff` slash command", "users:read": "users.lookupByEmail needs it beside users:read.email"}


def bot_scopes() -> tuple[str, ...]:
    """Every bot scope a Baton install needs, sorted: exactly what the manifest asks for."""
    wanted: set[str] = set(EXTRA_SCOPES)
    for need in METHODS.values():
        wanted |= need.granted_scopes()
    return tuple(sorted(wanted))


def why(scope: str) -> list[str]:
    """The methods (and reasons) that need `scope`, for the README and `baton manifest --explain`."""
    reasons = [f"{m}: {n.why}" for m, n in METHODS.items() if scope in n.granted_scopes()]
    if scope in EXTRA_SCOPES:
        reasons.append(EXTRA_SCOPES[scope])
    return reasons


def missing(method: str, kinds: Iterable[str | None], granted: Iterable[str]) -> str | None:
    """The first scope `method` needs for `kinds` that `granted` lacks, or None (unknown methods pass)."""
    need = METHODS.get(method)
    if need is None:
        return None
    have = set(granted)
    for kind in kinds:
        scope = need.scope_for(kind)
        if scope is not None and scope not in have:
            return scope
    return None
