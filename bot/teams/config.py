"""Teams settings, read from the environment under the Bot Framework SDK's own names.

The SDK reads its configuration as attributes (APP_ID, TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
...); this model is that object. The endpoint settings exist so sovereign clouds and tests can
point validation and outbound tokens elsewhere; unset, the SDK's public-cloud defaults apply.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

INSECURE_FLAG = "BATON_TEAMS_INSECURE_LOCAL"
ENDPOINT_SETTINGS = (
    "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL", "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER",
    "TO_CHANNEL_FROM_BOT_LOGIN_URL", "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE", "OAUTH_URL",
)


class TeamsConfigError(ValueError):
    """Teams was asked for but cannot be served safely."""


class TeamsConfig(BaseModel):
    """The SDK's configuration object; secrets are never logged (repr hides the password)."""

    model_config = ConfigDict(frozen=True)

    APP_ID: str = ""
    APP_PASSWORD: str = Field(default="", repr=False)
    APP_TENANTID: str = ""
    APP_TYPE: str = "MultiTenant"
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None = None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str | None = None
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str | None = None
    OAUTH_URL: str | None = None
    insecure_local: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TeamsConfig | None:
        """None when Teams is not configured at all; raises when it is configured unsafely.

        Without MicrosoftAppId the SDK disables authentication: anyone could post activities
        as anyone. Baton only allows that with BATON_TEAMS_INSECURE_LOCAL=1, and warns loudly.
        """
        env = os.environ if env is None else env
        insecure = env.get(INSECURE_FLAG, "") in ("1", "true", "yes")
        app_id = env.get("MicrosoftAppId", "")
        if not app_id and not insecure:
            if env.get("MicrosoftAppPassword"):
                raise TeamsConfigError("MicrosoftAppPassword is set but MicrosoftAppId is not: Teams refuses to "
                                       f"serve unauthenticated; set MicrosoftAppId (or {INSECURE_FLAG}=1 locally)")
            return None
        if app_id and not env.get("MicrosoftAppPassword"):
            raise TeamsConfigError("MicrosoftAppId is set without MicrosoftAppPassword")
        app_type = env.get("MicrosoftAppType") or "MultiTenant"
        if app_type not in ("MultiTenant", "SingleTenant"):
            raise TeamsConfigError("MicrosoftAppType must be MultiTenant or SingleTenant (UserAssignedMSI is not "
                                   "supported by Baton)")
        if app_type == "SingleTenant" and not env.get("MicrosoftAppTenantId"):
            raise TeamsConfigError("MicrosoftAppType=SingleTenant needs MicrosoftAppTenantId")
        if not app_id:
            log.warning("!!! %s=1 and no MicrosoftAppId: /api/messages accepts UNAUTHENTICATED requests. "
                        "Local testing only; never expose this server. !!!", INSECURE_FLAG)
        endpoints = {name: env[name] for name in ENDPOINT_SETTINGS if env.get(name)}
        return cls(APP_ID=app_id, APP_PASSWORD=env.get("MicrosoftAppPassword", ""),
                   APP_TENANTID=env.get("MicrosoftAppTenantId", ""), APP_TYPE=app_type,
                   insecure_local=not app_id, **endpoints)
