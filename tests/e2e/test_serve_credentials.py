"""`baton serve` with a wrong Slack token exits at once, naming the variable, instead of
staying up with no Slack traffic."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.simulator import SlackSimulator
from bot.slack.simulator.server import SimulatorThread

BATON = str(Path(sys.executable).parent / "baton")
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def slack() -> Iterator[tuple[SlackSimulator, SimulatorThread]]:
    sim = SlackSimulator()
    with sim.run_in_thread() as running:
        yield sim, running


def _serve(tmp_path: Path, api_url: str, **slack_env: str) -> tuple[int | None, float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_"))}
    env |= {"PORT": str(_free_port()), "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
            "BATON_CONFIG": str(REPO / "app.yaml"), "SLACK_SIGNING_SECRET": "s3cret",
            "SLACK_API_URL": api_url, **slack_env}
    started = time.monotonic()
    process = subprocess.Popen([BATON, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        return None, time.monotonic() - started, output
    return process.returncode, time.monotonic() - started, output


def test_a_wrong_bot_token_stops_serve_within_seconds_naming_the_variable(
    tmp_path: Path, slack: tuple[SlackSimulator, SimulatorThread]
) -> None:
    _, running = slack
    code, took, output = _serve(tmp_path, running.api_url, SLACK_BOT_TOKEN="xoxb-1-2-wrong")
    assert code == 2, output
    assert took < 10
    assert "SLACK_BOT_TOKEN was refused by Slack (auth.test: invalid_auth)" in output
    assert "Traceback" not in output and "xoxb-1-2-wrong" not in output


def test_a_wrong_app_token_stops_serve_within_seconds_naming_the_variable(
    tmp_path: Path, slack: tuple[SlackSimulator, SimulatorThread]
) -> None:
    sim, running = slack
    code, took, output = _serve(tmp_path, running.api_url, SLACK_BOT_TOKEN=sim.bot_token,
                                SLACK_APP_TOKEN="xapp-1-A1-1-wrong")
    assert code == 2, output
    assert took < 10
    assert "SLACK_APP_TOKEN was refused by Slack (apps.connections.open: invalid_auth)" in output
    assert "Traceback" not in output and "xapp-1-A1-1-wrong" not in output


def test_slack_unreachable_at_start_is_reported_as_an_outage_not_a_bad_token(tmp_path: Path) -> None:
    code, took, output = _serve(tmp_path, f"http://127.0.0.1:{_free_port()}/api/", SLACK_BOT_TOKEN="xoxb-1-2-3")
    assert code == 2, output
    assert took < 10
    assert "could not reach Slack to check SLACK_BOT_TOKEN" in output
    assert "refused" not in output
