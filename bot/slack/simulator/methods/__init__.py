"""The Web API methods the simulator serves, by name, and the real ones it knowingly does not."""

from __future__ import annotations

from bot.slack.simulator.methods import chat, conversations, extras, people, reading, views
from bot.slack.simulator.methods.common import Handler

HANDLERS: dict[str, Handler] = {
    **chat.HANDLERS,
    **conversations.HANDLERS,
    **reading.HANDLERS,
    **extras.HANDLERS,
    **people.HANDLERS,
    **views.HANDLERS,
}
NO_AUTH = {"api.test"}

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
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    "files.info",
    "bots.info",
    "dnd.info",
    "apps.connections.open",
    "oauth.v2.access",
    "search.messages",
    "reminders.add",
}

__all__ = ["HANDLERS", "NOT_SIMULATED", "NO_AUTH", "Handler"]
