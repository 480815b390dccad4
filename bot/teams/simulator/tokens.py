"""Signing keys and JWTs minted like the Bot Framework channel's (RS256, `kid`, endorsements)."""

from __future__ import annotations

import base64
import time
import uuid
from enum import StrEnum
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"


class TokenKind(StrEnum):
    """What an inbound Authorization header carries; everything but GOOD must be refused."""

    GOOD = "good"
    EXPIRED = "expired"
    WRONG_AUDIENCE = "wrong_audience"
    WRONG_ISSUER = "wrong_issuer"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    NOT_ENDORSED = "not_endorsed"  # signed by a published key that is not endorsed for msteams
    OTHER_SERVICE_URL = "other_service_url"  # serviceurl claim differs from the activity's
    NONE = "none"


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class SigningKey:
    """One RSA key with a key id, published as a JWK with the channels that may use it."""

    def __init__(self, endorsements: list[str]) -> None:
        self.kid = uuid.uuid4().hex
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.endorsements = endorsements

    def jwk(self) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()
        return {"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, "n": _b64(numbers.n),
                "e": _b64(numbers.e), "endorsements": self.endorsements}

    def sign(self, claims: dict[str, Any], *, kid: str | None = None) -> str:
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": kid or self.kid})


class Minter:
    """Mints the channel's tokens for the bot (inbound) and the bot's tokens (outbound)."""

    def __init__(self, *, issuer: str, app_id: str) -> None:
        self.issuer = issuer
        self.app_id = app_id
        self.key = SigningKey(["msteams", "webchat"])
        self._stranger = SigningKey(["msteams"])  # never published
        self.other_channel_key = SigningKey(["skype"])  # published, endorsed for another channel only

    def jwks(self) -> list[dict[str, Any]]:
        return [self.key.jwk(), self.other_channel_key.jwk()]

    def inbound(self, kind: TokenKind, *, service_url: str) -> str | None:
        """The Authorization header the channel would send, or a broken one of the named kind."""
        if kind is TokenKind.NONE:
            return None
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.issuer, "aud": self.app_id, "serviceurl": service_url,
                                  "nbf": now - 60, "iat": now - 60, "exp": now + 3600}
        if kind is TokenKind.EXPIRED:
            claims.update(nbf=now - 7200, iat=now - 7200, exp=now - 3600)
        elif kind is TokenKind.WRONG_AUDIENCE:
            claims["aud"] = "00000000-0000-0000-0000-00000000dead"
        elif kind is TokenKind.WRONG_ISSUER:
            claims["iss"] = "https://sts.windows.net/not-the-channel/"
        elif kind is TokenKind.OTHER_SERVICE_URL:
            claims["serviceurl"] = "https://smba.trafficmanager.net/emea/"
        if kind is TokenKind.BAD_SIGNATURE:
            token = self._stranger.sign(claims, kid=self.key.kid)  # published kid, wrong key
        elif kind is TokenKind.UNKNOWN_KEY:
            token = self._stranger.sign(claims)
        elif kind is TokenKind.NOT_ENDORSED:
            token = self.other_channel_key.sign(claims)
        else:
            token = self.key.sign(claims)
        return f"Bearer {token}"

    def outbound(self, *, app_id: str, audience: str, login_issuer: str) -> str:
        """The access token the Entra ID endpoint gives the bot for the Connector API."""
        now = int(time.time())
        return self.key.sign({"iss": login_issuer, "aud": audience, "appid": app_id, "azp": app_id,
                              "ver": "2.0", "nbf": now - 60, "iat": now - 60, "exp": now + 3600})

    def verify_outbound(self, token: str, *, audience: str) -> dict[str, Any]:
        """Raises jwt.PyJWTError unless the bot's bearer token is ours, current and for the connector."""
        claims: dict[str, Any] = jwt.decode(token, self.key.private.public_key(), algorithms=["RS256"],
                                            audience=audience)
        return claims
