"""Teams settings: the SDK's names, the refusal to serve unauthenticated, and the import boundary."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from bot.teams.config import INSECURE_FLAG, TeamsConfig, TeamsConfigError

REPO = Path(__file__).resolve().parents[2]


def test_no_app_id_means_no_teams() -> None:
    assert TeamsConfig.from_env({}) is None


def test_a_password_without_an_app_id_is_refused_rather_than_served_unauthenticated() -> None:
    with pytest.raises(TeamsConfigError, match="MicrosoftAppId"):
        TeamsConfig.from_env({"MicrosoftAppPassword": "x"})


def test_insecure_local_mode_must_be_asked_for_and_is_announced(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        config = TeamsConfig.from_env({INSECURE_FLAG: "1"})
    assert config is not None and config.insecure_local and config.APP_ID == ""
    assert "UNAUTHENTICATED" in caplog.text


def test_sdk_endpoint_settings_are_read_under_their_sdk_names_and_the_password_never_prints() -> None:
    config = TeamsConfig.from_env({
        "MicrosoftAppId": "app", "MicrosoftAppPassword": "s3cret", "MicrosoftAppType": "SingleTenant",
        "MicrosoftAppTenantId": "tenant", "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": "https://x/openid",
        "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": "https://x/", "TO_CHANNEL_FROM_BOT_LOGIN_URL": "https://x/tenant",
        "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": "https://x", "OAUTH_URL": "https://x/oauth"})
    assert config is not None
    assert config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL == "https://x/openid" and config.OAUTH_URL == "https://x/oauth"
    assert "s3cret" not in repr(config) and "s3cret" not in str(config)


def test_single_tenant_needs_its_tenant() -> None:
    with pytest.raises(TeamsConfigError, match="MicrosoftAppTenantId"):
        TeamsConfig.from_env({"MicrosoftAppId": "a", "MicrosoftAppPassword": "p", "MicrosoftAppType": "SingleTenant"})


def test_every_botbuilder_import_lives_in_bot_teams() -> None:
    offenders = []
    paths = [p for top in ("core", "storage", "bot", "tests", "bench") for p in (REPO / top).rglob("*.py")]
    for path in paths:
        rel = path.relative_to(REPO)
        if rel.parts[:2] == ("bot", "teams"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in {"botbuilder", "botframework"} for n in names):
                offenders.append(str(rel))
    assert offenders == []


def test_baton_serve_refuses_a_teams_password_without_an_app_id(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    monkeypatch.setenv("MicrosoftAppPassword", "x")
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    monkeypatch.delenv(INSECURE_FLAG, raising=False)
    assert main(["serve"]) == 2
    assert "refusing to serve Teams" in capsys.readouterr().err
