"""A strict local stand-in for Microsoft Teams and the Bot Framework services.

It plays three parties the bot talks to: the channel's OpenID metadata and signing keys (so
Baton validates real RS256 JWTs), the Entra ID token endpoint (client credentials, for the bot's
outbound token) and the Bot Connector API (conversations, activities, updates, members), with
Teams' per-conversation rate limits. It runs in its own thread and event loop because the SDK
fetches keys and tokens with blocking `requests` calls from inside Baton's event loop.
"""

from bot.teams.simulator.server import TeamsSimulator
from bot.teams.simulator.tokens import TokenKind

__all__ = ["TeamsSimulator", "TokenKind"]
