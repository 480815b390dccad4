"""`baton demo --teams` through the CLI: the handoff story in Teams, what each person sees."""

from __future__ import annotations

import pytest

from bot.cli import main


def test_the_teams_demo_plays_the_handoff_from_the_deal_to_the_accepted_card(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--teams"]) == 0
    out = capsys.readouterr().out
    assert "/webhooks/deals answered 202" in out
    assert "<at>Ana Lopez</at> <at>Carl Diaz</at> <at>Maria Gomez</at> <at>Liam Chen</at>" in out
    assert "Carl Diaz (CSM) sees in his chat with Baton:\n    | New handoff coming your way" in out
    assert "Implementation contact email must be an email address" in out
    assert "the dialog closes with: Submitted" in out
    assert "You can't accept this handoff: only the assigned CSM can do that. This one is for carl@example.com." in out
    assert "the card, updated in place (PUT)" in out and "Accepted by carl@example.com" in out
    assert "answered 401" in out
    assert "ownership moved to carl@example.com" in out
