"""`baton check-config` knows where each segment's handoffs live: it refuses, naming the line,
a segment placed on a chat platform Baton has no credentials for, and says where a segment that
names no platform goes when both are configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.teams.config import INSECURE_FLAG

REPO = Path(__file__).resolve().parents[2]
CHANNEL = "19:handoffs@thread.tacv2"
CREDENTIAL_VARS = ("SLACK_BOT_TOKEN", "MicrosoftAppId", "MicrosoftAppPassword", INSECURE_FLAG)


def playbook(tmp_path: Path, *, hybrid: str | None = None, high_touch: str | None = None,
             channel: bool = True) -> tuple[Path, dict[str, int]]:
    """The shipped app.yaml with segments placed as asked; returns the file and each placed line."""
    lines = (REPO / "app.yaml").read_text().splitlines()
    out, placed = [], {}
    for line in lines:
        out.append(line)
        for segment, platform in (("hybrid", hybrid), ("high_touch", high_touch)):
            if platform and line.strip() == f"- id: {segment}":
                out.append(f"    platform: {platform}")
                placed[segment] = len(out)
    if channel:
        out += ["", "teams:", f"  channel_id: \"{CHANNEL}\""]
    path = tmp_path / "app.yaml"
    path.write_text("\n".join(out) + "\n")
    return path, placed


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check-config", str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_segment_in_teams_without_teams_credentials_is_refused_naming_its_line(
        tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    path, placed = playbook(tmp_path, hybrid="teams")
    code, _, err = check(path, capsys)
    assert code == 1
    assert f"{path}:{placed['hybrid']}:" in err
    assert "segment 'hybrid' lives in Teams, but Teams has no credentials" in err
    assert "MicrosoftAppId" in err and "1 problem(s) with where handoffs live" in err


def test_a_segment_in_slack_in_a_teams_only_deployment_is_refused_naming_its_line(
        tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("MicrosoftAppId", "app-id")
    env.setenv("MicrosoftAppPassword", "app-password")
    path, placed = playbook(tmp_path, high_touch="slack")
    code, _, err = check(path, capsys)
    assert code == 1
    assert f"{path}:{placed['high_touch']}:" in err
    assert "segment 'high_touch' lives in Slack, but Slack has no credentials" in err
    assert "SLACK_BOT_TOKEN" in err and "app-password" not in err


def test_with_both_platforms_it_says_where_unplaced_segments_go_and_where_each_lives(
        tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    env.setenv(INSECURE_FLAG, "1")  # local testing counts as Teams configured
    path, _ = playbook(tmp_path, hybrid="teams")
    code, out, _ = check(path, capsys)
    assert code == 0, out
    assert "chat: Slack and Teams configured; a segment that names no platform lives in Slack" in out
    assert "hybrid: handoff in a Teams thread" in out
    assert "low_touch: handoff in a Slack thread" in out and "high_touch: handoff in a Slack channel" in out


def test_a_teams_only_deployment_puts_unplaced_segments_in_teams_and_needs_the_channel(
        tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv(INSECURE_FLAG, "1")
    path, _ = playbook(tmp_path, channel=False)
    code, _, err = check(path, capsys)
    assert code == 1
    assert "segment 'low_touch' lives in Teams, but teams.channel_id is not set" in err
    path, _ = playbook(tmp_path)
    code, out, _ = check(path, capsys)
    assert code == 0
    assert "a segment that names no platform lives in Teams" in out and "high_touch: handoff in a Teams thread" in out
