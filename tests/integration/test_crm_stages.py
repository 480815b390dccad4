"""Stage spellings through the signed /webhooks/deals route and `baton check-config`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.integration.test_deal_webhook import REPO, client, deal_event, post

__all__ = ["client"]


@pytest.mark.parametrize("spelling", ["Closed Won", "closed_won", "closedwon", "CLOSED-WON"])
async def test_each_spelling_of_closed_won_opens_a_handoff(client: TestClient[Any, Any], spelling: str) -> None:
    status, answer = await post(client, deal_event(stage=spelling))
    assert status == 202 and answer["created"] is True and answer["handoff_id"]


async def test_closed_lost_does_not_open_a_handoff(client: TestClient[Any, Any]) -> None:
    status, answer = await post(client, deal_event(stage="Closed Lost"))
    assert status == 202 and "handoff_id" not in answer and "Closed Lost" in answer["ignored"]


def test_check_config_says_which_stages_it_matches(tmp_path: Path) -> None:
    text = (REPO / "app.yaml").read_text().replace('trigger_stage: "Closed Won"',
                                                   'trigger_stage: ["Closed Won", "contractsigned"]')
    path = tmp_path / "app.yaml"
    path.write_text(text)
    out = subprocess.run([sys.executable, "-m", "bot.cli", "check-config", str(path)], capture_output=True,
                         text=True, cwd=REPO, check=False)
    assert out.returncode == 0, out.stderr
    assert "'Closed Won', 'contractsigned'" in out.stdout and "closedwon, contractsigned" in out.stdout
