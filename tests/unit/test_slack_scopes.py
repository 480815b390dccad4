"""The manifest asks for exactly the scopes the code needs: no call Slack would refuse, no scope unused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.manifest import BOT_SCOPES, manifest
from bot.slack import scopes

ROOT = Path(__file__).resolve().parents[2] / "bot"
NAMESPACES = "auth|apps|chat|conversations|users|views|pins|bookmarks|usergroups|files|team|reactions|dnd|reminders|search"
BY_NAME = re.compile(rf"""["']((?:{NAMESPACES})\.[A-Za-z.]+)["']""")
BY_SDK_METHOD = re.compile(rf"""client\.((?:{NAMESPACES})_[A-Za-z_]+)\(""")
NOT_CALLS = {"slack/ratelimit.py", "slack/scopes.py", "llm/fake_server.py", "llm/openai_drafter.py"}


def called_methods() -> set[str]:
    """Every Web API method Baton's code names or calls through slack_sdk, outside the simulator."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if "/simulator/" in f"/{rel}" or rel in NOT_CALLS:
            continue
        text = path.read_text()
        found |= set(BY_NAME.findall(text))
        # slack_sdk names `usergroups.users.list` `usergroups_users_list`: `_` only separates.
        found |= {name.replace("_", ".") for name in BY_SDK_METHOD.findall(text)}
    return {m for m in found if not m.startswith("chat.completion")}


def test_every_method_the_code_calls_has_its_scope_in_the_table() -> None:
    uncovered = sorted(called_methods() - set(scopes.METHODS))
    assert uncovered == [], f"add these to bot/slack/scopes.py with Slack's required scope: {uncovered}"


def test_every_method_in_the_table_is_really_called_so_no_scope_is_asked_for_nothing() -> None:
    listed = {m for m, need in scopes.METHODS.items() if not need.by_sdk}
    assert sorted(listed - called_methods()) == []


def test_the_manifest_asks_for_the_tables_scopes_and_the_slash_command() -> None:
    granted = manifest("https://baton.example.com")["oauth_config"]["scopes"]["bot"]
    assert granted == list(BOT_SCOPES)
    assert "commands" in granted
    # What conversations.list (both types), conversations.join and the rest need is asked for.
    for scope in ("channels:read", "groups:read", "channels:join", "chat:write", "users:read.email"):
        assert scope in granted
    # Nothing Baton never uses.
    for scope in ("chat:write.public", "im:read", "mpim:read", "channels:history", "users:write"):
        assert scope not in granted


@pytest.mark.parametrize(
    ("method", "kinds", "needed"),
    [
        ("conversations.list", ["public", "private"], "groups:read"),
        ("conversations.create", ["private"], "groups:write"),
        ("conversations.create", ["public"], "channels:manage"),
        ("conversations.join", [None], "channels:join"),
    ],
)
def test_a_call_missing_its_scope_names_the_scope_slack_wants(method: str, kinds: list[str | None], needed: str) -> None:
    granted = {"chat:write", "channels:read", "channels:manage", "groups:write"} - {needed}
    assert scopes.missing(method, kinds, granted) == needed
    assert scopes.missing(method, kinds, set(BOT_SCOPES)) is None


def test_every_scope_in_the_manifest_says_why_it_is_needed() -> None:
    for scope in BOT_SCOPES:
        assert scopes.why(scope), scope


def test_the_readme_explains_every_scope_the_manifest_asks_for() -> None:
    readme = (ROOT.parent / "README.md").read_text()
    for scope in BOT_SCOPES:
        assert f"| `{scope}` |" in readme, f"README's Slack scopes table lacks {scope}"
