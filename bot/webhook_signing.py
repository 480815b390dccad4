"""HMAC signatures on the deal webhook: `v1=hex(HMAC-SHA256(secret, "{timestamp}.{raw body}"))`.

The timestamp is part of what is signed, and stale timestamps are refused, so a captured
request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

MAX_SKEW_SECONDS = 300


class SignatureError(Exception):
    """The request is not provably from the CRM; `reason` says why, for the 401 body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(secret: str, *, timestamp: str | None, signature: str | None, body: bytes, now: float) -> None:
    """Raise SignatureError unless the signature matches and the timestamp is fresh."""
    if not timestamp or not signature:
        raise SignatureError("missing X-Baton-Timestamp or X-Baton-Signature header")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("X-Baton-Timestamp must be unix seconds") from None
    if abs(now - sent_at) > MAX_SKEW_SECONDS:
        raise SignatureError(f"timestamp is more than {MAX_SKEW_SECONDS} seconds from now")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        raise SignatureError("signature does not match")
