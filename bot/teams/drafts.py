"""The drafted values under review, kept as a chat reference of the handoff so any replica can
take the review (and a crash loses nothing)."""

from __future__ import annotations

import asyncio
import json

from bot.teams.services import TeamsApp
from core.drafting import Draft

DRAFT_REF = "teams.draft"


async def kept_draft(app: TeamsApp, handoff_id: str) -> Draft | None:
    stored = (await asyncio.to_thread(app.refs.all, handoff_id)).get(DRAFT_REF, "")
    return Draft.from_dict(json.loads(stored)) if stored.startswith("{") else None
