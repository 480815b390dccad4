"""`baton serve` as a deployment starts it, with the Bot Framework settings in its environment
pointed at the Teams simulator: /api/messages validates tokens and replies through the connector."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.teams.simulator import TeamsSimulator, TokenKind
from bot.teams.simulator.activities import Activities, user

BATON = str(Path(sys.executable).parent / "baton")
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def teams_env(sim: TeamsSimulator, tmp_path: Path, port: int, *, channel: bool = True) -> dict[str, str]:
    """The environment of a Teams-only deployment; its app.yaml names the handoffs channel."""
    config = tmp_path / "app.yaml"
    text = (REPO / "app.yaml").read_text()
    config.write_text(text + ('\nteams:\n  channel_id: "19:handoffs@thread.tacv2"\n' if channel else ""))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "Microsoft"))}
    env.update(sim.env(), PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / 'baton.db'}",
               BATON_CONFIG=str(config))
    return env


def test_a_teams_deployment_without_a_handoffs_channel_refuses_to_start_naming_the_line(
        sim: TeamsSimulator, tmp_path: Path) -> None:
    env = teams_env(sim, tmp_path, _free_port(), channel=False)
    done = subprocess.run([BATON, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"{tmp_path / 'app.yaml'}:39:5: segments[0].platform: segment 'low_touch' lives in Teams, but " \
           "teams.channel_id is not set" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def served(sim: TeamsSimulator, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = teams_env(sim, tmp_path, port)
    process = subprocess.Popen([BATON, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/api/messages"
    finally:
        process.terminate()
        process.wait(10)


def test_baton_serve_answers_teams_and_refuses_a_forged_token(served: str, sim: TeamsSimulator) -> None:
    acts = Activities(sim)
    ana = user("Ana Lopez", email="ana@example.com")
    message = acts.message(ana, "help", thread="serve-1")
    sim.add_member(message["conversation"]["id"], ana)
    status, _ = _post(served, message, sim.auth())
    assert status == 200
    assert "**overdue**" in sim.sent_to(message["conversation"]["id"])[-1].activity["text"]
    status, body = _post(served, acts.message(ana, "help", thread="serve-2"), sim.auth(TokenKind.EXPIRED))
    assert status == 401 and json.loads(body)["ok"] is False
    status, body = _post(served, acts.task_fetch(ana, {}), sim.auth())
    assert status == 200 and json.loads(body)["task"]["type"] == "continue"
