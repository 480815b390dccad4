"""Channel names Slack accepts: lowercase letters, digits, hyphens and underscores, 80 at most."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 80
MAX_PART = 40  # a long account name must not push the deal id out of the name
_INVALID = re.compile(r"[^a-z0-9_-]+")


def slugify(text: str) -> str:
    """Fold accents ("Café Zürich" -> "cafe-zurich") and replace everything else with hyphens."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _INVALID.sub("-", folded).strip("-")


def channel_name(template: str, *, suffix: int = 0, **values: str) -> str:
    """Fill the playbook's template with slugged values, each cut short enough to keep the rest."""
    parts = {k: slugify(v)[:MAX_PART].strip("-") for k, v in values.items()}
    name = re.sub(r"-{2,}", "-", slugify(template.format(**parts)))
    tail = f"-{suffix}" if suffix else ""
    name = name[: MAX_LENGTH - len(tail)].strip("-") + tail
    return name or "handoff"
