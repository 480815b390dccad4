"""Prompt templates: the highest version wins, its version is recorded, the shipped copy matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.llm.prompts import PACKAGED, PromptError, load_prompt, parse_prompt
from tests.integration.slack_world import REPO

TEMPLATE = "# a comment\n=== system ===\nYou read notes.\n=== user ===\nFields:\n$fields\n<notes>\n$notes\n</notes>\n"


def test_the_highest_version_is_used_and_named_with_a_hash_of_its_text(tmp_path: Path) -> None:
    (tmp_path / "draft_packet.v1.txt").write_text(TEMPLATE)
    (tmp_path / "draft_packet.v12.txt").write_text(TEMPLATE.replace("You read", "You carefully read"))
    (tmp_path / "draft_packet.v2.txt.bak").write_text(TEMPLATE)
    prompt = load_prompt("draft_packet", dirs=[tmp_path])
    assert prompt.number == 12 and prompt.version.startswith("draft_packet.v12@")
    edited = parse_prompt("draft_packet", 12, TEMPLATE + "\nOne more line.")
    assert edited.version != prompt.version  # an edit without a bump still shows in the audit trail


def test_rendering_fills_placeholders_and_drops_comments() -> None:
    prompt = parse_prompt("draft_packet", 1, TEMPLATE)
    system, user = prompt.render(fields="- goals: Goals.", notes="Dana: we want $5 off", part=1, parts=1)
    assert system == {"role": "system", "content": "You read notes."}
    assert "- goals: Goals." in user["content"] and "we want $5 off" in user["content"]
    assert "comment" not in system["content"] + user["content"]


@pytest.mark.parametrize("text", ["no sections at all", "=== system ===\nonly a system part\n",
                                  "=== system ===\nx\n=== user ===\n"])
def test_a_malformed_prompt_is_refused_with_its_name(text: str) -> None:
    with pytest.raises(PromptError, match=r"draft_packet\.v3"):
        parse_prompt("draft_packet", 3, text)


def test_a_placeholder_the_code_does_not_fill_is_an_error() -> None:
    prompt = parse_prompt("p", 1, TEMPLATE.replace("$notes", "$transcript"))
    with pytest.raises(PromptError, match="transcript"):
        prompt.render(fields="", notes="", part=1, parts=1)


def test_the_shipped_prompt_parses_and_the_wheel_carries_the_same_text() -> None:
    source = REPO / "prompts" / "draft_packet.v1.txt"
    assert (PACKAGED / source.name).read_text() == source.read_text(), (
        "bot/llm/prompts/ ships in the wheel; copy prompts/ over it after editing")
    prompt = load_prompt("draft_packet", dirs=[REPO / "prompts"])
    messages = prompt.render(fields="- goals: Goals.", notes="hello", part=1, parts=2)
    assert "part 1 of 2" in messages[1]["content"]
