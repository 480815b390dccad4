"""Checks several methods share: which conversation a call means, and what a message holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.slack.simulator.args import Args
from bot.slack.simulator.blocks import check_message_blocks, with_ids
from bot.slack.simulator.errors import SlackRefusal
from bot.slack.simulator.state import Channel, Workspace

Handler = Callable[[Workspace, Args], dict[str, Any]]
MAX_TEXT = 40_000  # chat.postMessage truncates past this (Slack's 2018 change), never refuses
MAX_ATTACHMENTS = 100


def visible_channel(ws: Workspace, channel_id: str | None) -> Channel:
    """A conversation the bot may know of: public channels, its private ones and its DMs.

    A private channel the bot is not in answers `channel_not_found`, as if it did not exist.
    """
    channel = ws.channels.get(channel_id or "")
    if channel is None or (channel.is_private and ws.bot.id not in channel.members):
        raise SlackRefusal("channel_not_found")
    return channel


def joined_channel(ws: Workspace, channel_id: str | None, *, archived_ok: bool = False) -> Channel:
    """A conversation the bot is a member of; `not_in_channel` for a public one it is not in."""
    channel = visible_channel(ws, channel_id)
    if channel.is_archived and not archived_ok:
        raise SlackRefusal("is_archived")
    if ws.bot.id not in channel.members:
        raise SlackRefusal("not_in_channel")
    return channel


def posting_target(ws: Workspace, target: str | None) -> Channel:
    """`channel` of chat.postMessage: an id, a `#name`, or a person's id (their DM with the bot)."""
    if not target:
        raise SlackRefusal("channel_not_found")
    if target in ws.users and target != ws.bot.id:
        return ws.open_im(target)[0]
    named = ws.channel_named(target) if target not in ws.channels else None
    return joined_channel(ws, named.id if named else target)


def blocks_arg(args: Args) -> list[dict[str, Any]] | None:
    """`blocks`, decoded and checked for a message surface, with Slack's generated ids."""
    blocks = args.json("blocks", error="invalid_blocks_format")
    if blocks is None:
        return None
    if not isinstance(blocks, list):
        raise SlackRefusal("invalid_blocks_format")
    problems = check_message_blocks(blocks)
    if problems:
        raise SlackRefusal("invalid_blocks", messages=problems, list_errors=True)
    return with_ids(blocks)


def attachments_arg(args: Args) -> list[dict[str, Any]] | None:
    attachments = args.json("attachments", error="invalid_attachments")
    if attachments is None:
        return None
    if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
        raise SlackRefusal("invalid_attachments")
    if len(attachments) > MAX_ATTACHMENTS:
        raise SlackRefusal("too_many_attachments")
    return attachments


def content(args: Args) -> tuple[str, list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    """(text, blocks, attachments) of a message; `no_text` when it has none of them."""
    text = args.text("text")
    blocks, attachments = blocks_arg(args), attachments_arg(args)
    if text is None and not blocks and not attachments:
        raise SlackRefusal("no_text")
    return (text or "")[:MAX_TEXT], blocks, attachments
