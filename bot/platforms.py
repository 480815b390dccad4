"""Which chat platform each segment's handoffs live on, decided once from app.yaml and the
credentials present, so delivery, commands and check-config agree."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from bot.config import Loc, Problem, dotted_path
from bot.config import problem_at as located
from core.playbook import Platform, Playbook

CREDENTIALS = {
    Platform.SLACK: "SLACK_BOT_TOKEN (and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN)",
    Platform.TEAMS: "MicrosoftAppId and MicrosoftAppPassword (or BATON_TEAMS_INSECURE_LOCAL=1 for local testing)",
}


def default_platform(configured: Collection[Platform]) -> Platform:
    """Where a segment that names no platform lives: the one configured; Slack when both are."""
    if Platform.SLACK in configured or not configured:
        return Platform.SLACK
    return Platform.TEAMS


def platform_of(playbook: Playbook, segment_id: str, configured: Collection[Platform]) -> Platform:
    try:
        named = playbook.segment(segment_id).platform
    except KeyError:  # a segment removed from app.yaml after its handoffs opened
        named = None
    return named or default_platform(configured)


def placement_problems(
    playbook: Playbook, path: str | Path | None, configured: Collection[Platform],
) -> list[Problem]:
    """A segment placed on a platform Baton has no credentials for would open handoffs nobody
    sees; Teams threads also need the channel they open in. Lines are named when `path` is the
    file the playbook came from."""
    def problem_at(loc: Loc, message: str, hint: str) -> Problem:
        if path is None:
            return Problem(dotted_path(loc), None, None, message, hint)
        return located(path, loc, message, hint)

    problems = []
    for index, segment in enumerate(playbook.segments):
        where = platform_of(playbook, segment.id, configured)
        if configured and where not in configured:
            problems.append(problem_at(
                ("segments", index, "platform"),
                f"segment {segment.id!r} lives in {where.value.title()}, but {where.value.title()} has no credentials",
                f"set {CREDENTIALS[where]}, or place the segment on {default_platform(configured).value}"))
        if where is Platform.TEAMS and playbook.teams.channel_id is None:
            problems.append(problem_at(
                ("segments", index, "platform"),
                f"segment {segment.id!r} lives in Teams, but teams.channel_id is not set",
                "set teams.channel_id to the channel's id (19:…@thread.tacv2, from 'Get link to channel')"))
    return problems
