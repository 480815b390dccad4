"""The `baton` command as a user runs it: a real process, its exit code and what it prints."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.webhook_signing import sign

BATON = str(Path(sys.executable).parent / "baton")
REPO = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BATON, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=cwd or REPO)


def test_the_demo_runs_a_slack_handoff_to_a_flipped_owner() -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "POST /webhooks/deals (signed) -> 202" in out
    assert "The CRM delivers it again -> 200, same handoff: True" in out
    assert "Dev Patel (CSM) sees a DM from Baton" in out and "New handoff coming your way" in out
    assert "must be an email address" in out  # the inline error Ana sees in the modal
    assert "Maria Gomez (sales manager) sees" in out and "[ Approve ]  [ Deny ]" in out
    assert "You can't approve this exception: only a sales or CS manager can do that." in out
    assert "You can't accept this handoff: only the assigned CSM can do that." in out
    assert "Accepted by @dev" in out
    assert "Done: Northwind Traders is owned by dev.patel@example.com; the handoff is accepted." in out


def test_check_config_accepts_the_shipped_playbook() -> None:
    result = run("check-config", "app.yaml")
    assert result.returncode == 0
    assert "app.yaml is valid: 3 segments" in result.stdout


def test_check_config_names_the_line_of_every_problem(tmp_path: Path) -> None:
    text = (REPO / "app.yaml").read_text()
    broken = text.replace("type: long_text", "type: essay", 1).replace("private: true", "privat: true", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(broken)
    lines = broken.splitlines()
    essay_line = next(i for i, line in enumerate(lines, 1) if "type: essay" in line)
    privat_line = next(i for i, line in enumerate(lines, 1) if "privat: true" in line)
    result = run("check-config", str(path))
    assert result.returncode == 1
    assert f"broken.yaml:{essay_line}:" in result.stderr
    assert f"broken.yaml:{privat_line}:" in result.stderr and "did you mean 'private'" in result.stderr
    assert "2 problem(s)" in result.stderr


def test_serve_refuses_to_start_on_a_bad_playbook(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("default_segment: nowhere\nsegments: []\nsections: []\n")
    result = run("serve", env={"BATON_CONFIG": str(path), "DATABASE_URL": f"sqlite:///{tmp_path}/b.db"})
    assert result.returncode == 2
    assert "refusing to start" in result.stderr and "bad.yaml:2:" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_serve_answers_health_checks_and_signed_deal_webhooks(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
           "DEAL_WEBHOOK_SECRET": "s3cret-for-tests", "BATON_CONFIG": str(REPO / "app.yaml")}
    server = subprocess.Popen([BATON, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "baton serve did not come up"
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["ok"] is True
        payload = json.dumps({"event_id": "e1", "deal": {
            "id": "D-1", "name": "Pilot", "account": "Globex", "amount": 5000, "currency": "USD",
            "stage": "Closed Won", "closed_at": "2026-11-02T10:00:00Z", "ae_email": "ae@example.com",
            "csm_email": None, "segment": None, "crm_url": None, "fields": {}}}).encode()
        ts = str(int(time.time()))
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhooks/deals", data=payload, method="POST",
            headers={"X-Baton-Timestamp": ts, "X-Baton-Signature": sign("s3cret-for-tests", ts, payload),
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 202
            assert json.loads(response.read())["handoff_id"].startswith("ho_")
        status, metrics = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and 'baton_handoffs{status="opened"} 1' in metrics
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert "s3cret-for-tests" not in output  # secrets never reach the log


def test_manifest_points_every_slack_url_at_one_route() -> None:
    result = run("manifest", "--url", "https://baton.example.com")
    assert result.returncode == 0
    manifest = yaml.safe_load(result.stdout)
    url = "https://baton.example.com/slack/events"
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert manifest["features"]["slash_commands"][0] == {**manifest["features"]["slash_commands"][0],
                                                         "command": "/handoff", "url": url}
    assert {"commands", "chat:write", "users:read.email", "pins:write", "bookmarks:write"} <= set(
        manifest["oauth_config"]["scopes"]["bot"])


def test_config_schema_is_json_an_editor_can_use() -> None:
    result = run("config-schema")
    schema = json.loads(result.stdout)
    assert {"segments", "sections", "slas", "roles"} <= set(schema["properties"])


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    result = run("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 0 and "latest schema" in result.stdout
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(db).execute("select name from sqlite_master where type='table'")}
    assert {"handoffs", "audit_entries", "outbox", "processed_events"} <= tables


@pytest.mark.parametrize("args", [["bogus"], ["manifest"]])
def test_wrong_usage_exits_2_with_a_usage_line(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2 and "usage: baton" in result.stderr


def test_the_demo_shows_the_owner_written_back_to_the_crm() -> None:
    out = run("demo").stdout
    assert "handoff.accepted (" in out
    assert "CRM account Northwind Traders: owner is now dev.patel@example.com (was ana.ortiz@example.com)" in out
