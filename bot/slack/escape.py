"""Make user-provided text safe inside Slack mrkdwn, and keep strings inside Slack's limits.

Slack parses `<...>` in mrkdwn as mentions, broadcasts and links, so an account named
`<!channel>` would ping a whole channel unless `&`, `<` and `>` are escaped. Slack has no escape
for the formatting markers (`*bold*`, `_italic_`, `~strike~`, backticks); `literal` swaps them for
look-alike characters so a deal called "*Acme*" shows as typed instead of in bold.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"

# Look-alikes that Slack does not treat as markup: asterisk operator, tilde operator,
# modifier grave accent, modifier low macron.
_MARKERS = str.maketrans({"*": "∗", "~": "∼", "`": "ˋ"})
# An underscore only formats at a word boundary; snake_case and emails stay as they are.
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_ENTITY_MAX = len("&amp;")


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack reserves: `<!channel>`, `<@U1>` and links become text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def literal(text: str) -> str:
    """User text for mrkdwn: escaped, and with formatting markers neutralised."""
    return _EDGE_UNDERSCORE.sub("ˍ", escape_mrkdwn(text).translate(_MARKERS))


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with an ellipsis when it was cut."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Like `truncate`, but never cuts through an `&amp;` entity or a `<...>` token."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:] and len(cut) - amp < _ENTITY_MAX:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS
