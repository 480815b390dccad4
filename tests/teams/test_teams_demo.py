"""`baton demo --teams` through the CLI: what each person sees, with real tokens on every request."""

from __future__ import annotations

import pytest

from bot.cli import main


def test_the_teams_demo_shows_help_a_refused_forgery_a_mentioning_thread_and_an_updated_card(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--teams"]) == 0
    out = capsys.readouterr().out
    assert "- **metrics**" in out
    assert "answered 401" in out
    assert "<at>Ana Lopez</at> <at>Carl Diaz</at>" in out
    assert "Baton now knows Carl as carl@example.com" in out
    assert "dialog titled 'Handoff packet' (200)" in out
    assert "accepted by Carl Diaz" in out
