"""Outbound (bot -> connector) credentials.

In the clouds the SDK's MSAL-based credentials are used unchanged. MSAL refuses any authority
that is not https, so a token endpoint on the loopback interface (the Teams simulator, a local
sovereign-cloud stub) gets a small client-credentials client instead. It is never used for a
non-loopback host: the app password must not travel over plain HTTP.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlparse

import requests
from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botframework.connector.auth import AppCredentials

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class LoopbackClientCredentials(AppCredentials):
    def __init__(self, app_id: str, password: str, login_endpoint: str, oauth_scope: str) -> None:
        super().__init__(app_id=app_id, oauth_scope=oauth_scope)
        self.oauth_endpoint = login_endpoint.rstrip("/")
        self._password = password
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def get_access_token(self, force_refresh: bool = False) -> str:
        with self._lock:
            if self._token and not force_refresh and self._token[1] > time.time() + 60:
                return self._token[0]
            response = requests.post(f"{self.oauth_endpoint}/oauth2/v2.0/token", timeout=10, data={
                "grant_type": "client_credentials", "client_id": self.microsoft_app_id,
                "client_secret": self._password, "scope": f"{self.oauth_scope}/.default"})
            body: dict[str, Any] = response.json()
            if response.status_code != 200 or "access_token" not in body:
                raise PermissionError(f"token endpoint refused the bot: {body.get('error', response.status_code)}")
            self._token = (str(body["access_token"]), time.time() + float(body.get("expires_in", 0)))
            return self._token[0]


class BatonCredentialFactory(ConfigurationServiceClientCredentialFactory):
    """The SDK's factory, plus the loopback case, plus reuse.

    The SDK builds new credentials (a new MSAL app with an empty token cache) for every turn
    that sends, so every reply would first fetch a token from Entra ID. Credentials are kept per
    (app, scope, login endpoint), and their cached token is reused until it nears expiry.
    """

    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        self._app_id = configuration.APP_ID
        self._password = configuration.APP_PASSWORD
        self._made: dict[tuple[str, str, str], Any] = {}

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Any:
        key = (app_id or "", oauth_scope or "", login_endpoint or "")
        if key in self._made:
            return self._made[key]
        url = urlparse(login_endpoint or "")
        if self._app_id and url.scheme == "http" and url.hostname in LOOPBACK:
            if app_id != self._app_id:
                raise PermissionError("Invalid app_id")
            made: Any = LoopbackClientCredentials(app_id, self._password, login_endpoint, oauth_scope)
        else:
            made = await super().create_credentials(app_id, oauth_scope, login_endpoint, validate_authority)
        if app_id:  # anonymous (auth disabled) credentials are cheap and hold nothing
            self._made[key] = made
        return made
