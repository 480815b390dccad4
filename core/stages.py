"""Deal stage names as a RevOps person reads them, not as one CRM happens to spell them.

HubSpot's API says `closedwon`, its exports `closed_won`, its UI `Closed Won`; Salesforce says
`Closed Won` and custom pipelines say anything. Two stage names are the same stage when they
agree once case, spaces, underscores and hyphens are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NOISE = re.compile(r"[\s_\-]+")


def stage_key(stage: str) -> str:
    """The comparable form of a stage name: `Closed-Won ` -> `closedwon`."""
    return _NOISE.sub("", stage).casefold()


def matches(stage: str, triggers: Iterable[str]) -> bool:
    """True when `stage` is one of the trigger stages, spelled any of the usual ways."""
    key = stage_key(stage)
    return bool(key) and any(key == stage_key(t) for t in triggers)
