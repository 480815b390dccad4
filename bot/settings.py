"""Settings from the environment, under the names DESIGN.md promises (Bot Framework keeps its own)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class Settings(BaseModel):
    """Everything read from the environment, once, at start. Secrets never print."""

    model_config = ConfigDict(frozen=True)

    database_url: str = "sqlite:///./baton.db"
    config_path: Path | None = None  # None: bot.config.default_config_path()
    port: int = Field(default=3000, ge=1, le=65535)
    deal_webhook_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    public_url: str | None = None
    outbound_webhook_url: str | None = None
    outbound_webhook_secret: SecretStr | None = None
    hubspot_client_secret: SecretStr | None = None
    hubspot_access_token: SecretStr | None = None
    hubspot_api_url: str = "https://api.hubapi.com"
    salesforce_org_id: str | None = None
    salesforce_login_url: str = "https://login.salesforce.com"
    salesforce_client_id: str | None = None
    salesforce_client_secret: SecretStr | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        names = {
            "database_url": "DATABASE_URL", "config_path": "BATON_CONFIG", "port": "PORT",
            "deal_webhook_secret": "DEAL_WEBHOOK_SECRET", "slack_bot_token": "SLACK_BOT_TOKEN",
            "slack_signing_secret": "SLACK_SIGNING_SECRET", "slack_app_token": "SLACK_APP_TOKEN",
            "slack_api_url": "SLACK_API_URL", "openai_api_key": "OPENAI_API_KEY",
            "openai_base_url": "OPENAI_BASE_URL", "llm_model": "BATON_LLM_MODEL",
            "public_url": "BATON_PUBLIC_URL", "outbound_webhook_url": "BATON_OUTBOUND_WEBHOOK_URL",
            "outbound_webhook_secret": "BATON_OUTBOUND_WEBHOOK_SECRET",
            "hubspot_client_secret": "HUBSPOT_CLIENT_SECRET", "hubspot_access_token": "HUBSPOT_ACCESS_TOKEN",
            "hubspot_api_url": "HUBSPOT_API_URL", "salesforce_org_id": "SALESFORCE_ORG_ID",
            "salesforce_login_url": "SALESFORCE_LOGIN_URL", "salesforce_client_id": "SALESFORCE_CLIENT_ID",
            "salesforce_client_secret": "SALESFORCE_CLIENT_SECRET",
        }
        return cls.model_validate({field: env[var] for field, var in names.items() if env.get(var)})
