"""The Web API methods the simulator serves, by name, and the real ones it knowingly does not."""

from __future__ import annotations

from bot.slack.simulator.methods import (
    apps,
    chat,
    conversations,
    extras,
    files,
    people,
    reading,
    uploads,
    views,
)
from bot.slack.simulator.methods.common import Handler

HANDLERS: dict[str, Handler] = {
    **apps.HANDLERS,
    **chat.HANDLERS,
    **conversations.HANDLERS,
    **reading.HANDLERS,
    **extras.HANDLERS,
    **people.HANDLERS,
    **views.HANDLERS,
    **files.HANDLERS,
    **uploads.HANDLERS,
}
NO_AUTH = {"api.test"}
APP_LEVEL = apps.APP_LEVEL  # called with the app-level token (xapp-…), not the bot token

# Real Slack methods a Slack app commonly calls that the simulator does not model: they answer
# HTTP 501 naming the gap, rather than `unknown_method`, which would misstate Slack.
NOT_SIMULATED = {
    "chat.scheduleMessage",
    "chat.deleteScheduledMessage",
    "chat.meMessage",
    "chat.unfurl",
    "conversations.kick",
    "conversations.leave",
    "conversations.rename",
    "conversations.unarchive",
    "conversations.mark",
    "conversations.close",
    "pins.remove",
    "pins.list",
    "bookmarks.edit",
    "bookmarks.remove",
    "bookmarks.list",
    "reactions.add",
    "reactions.remove",
    "reactions.get",
    "users.conversations",
    "users.getPresence",
    "users.profile.get",
    "files.upload",
    "files.uploadV2",
    "bots.info",
    "dnd.info",
    "oauth.v2.access",
    "search.messages",
    "reminders.add",
}

__all__ = ["APP_LEVEL", "HANDLERS", "NOT_SIMULATED", "NO_AUTH", "Handler"]
