"""The Teams app package (`baton teams-manifest`): manifest.json and the two icons, zipped.

Teams requires a color icon of 192x192 and an outline icon of 32x32 that is white on a
transparent background; both are drawn here with the standard library (zlib, struct), so the
package needs no image files or imaging library.
"""

from __future__ import annotations

import io
import json
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from bot.teams.commands import COMMANDS

MANIFEST_VERSION = "1.19"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = (0x2E, 0x5B, 0xD8)
Pixel = tuple[int, int, int, int]


class ManifestError(ValueError):
    """The app id or URL cannot make a package Teams accepts."""


def png(size: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An RGBA PNG, `pixel(x, y)` per pixel."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _on_baton(x: int, y: int, size: int) -> bool:
    """A diagonal baton: pixels near the line x == y, away from the corners."""
    margin = size // 6
    return abs(x - y) <= max(1, size // 12) and margin <= x <= size - margin


def color_icon() -> bytes:
    return png(192, lambda x, y: (255, 255, 255, 255) if _on_baton(x, y, 192) else (*ACCENT, 255))


def outline_icon() -> bytes:
    return png(32, lambda x, y: (255, 255, 255, 255) if _on_baton(x, y, 32) else (0, 0, 0, 0))


def manifest(app_id: str, url: str, *, version: str = "1.0.0") -> dict[str, Any]:
    try:
        uuid.UUID(app_id)
    except ValueError:
        raise ManifestError(f"--app-id must be the bot's Microsoft App ID (a GUID), got {app_id!r}") from None
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise ManifestError(f"--url must be Baton's public https URL, got {url!r}")
    base = url.rstrip("/")
    commands = [{"title": c.title, "description": c.description} for c in COMMANDS]
    return {
        "$schema": SCHEMA, "manifestVersion": MANIFEST_VERSION, "version": version, "id": app_id,
        "developer": {"name": "Baton", "websiteUrl": base, "privacyUrl": f"{base}/privacy",
                      "termsOfUseUrl": f"{base}/terms"},
        "name": {"short": "Baton", "full": "Baton: sales-to-customer-success handoffs"},
        "description": {
            "short": "Sales-to-CS handoffs with SLAs, in Teams.",
            "full": "Baton runs the handoff from a closed deal to customer success: the packet, the CSM's "
                    "accept or escalate, manager overrides, nudges before deadlines and follow-ups.",
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{
            "botId": app_id, "scopes": ["team", "personal", "groupChat"], "supportsFiles": True,  # `export` sends a CSV in personal chat
            "isNotificationOnly": False,
            "commandLists": [{"scopes": ["team", "personal", "groupChat"], "commands": commands}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [parsed.hostname],
        "webApplicationInfo": {"id": app_id, "resource": f"api://{parsed.hostname}/{app_id}"},
    }


def package(app_id: str, url: str) -> bytes:
    """The zip for Teams' "Upload a custom app": three files at the root of the archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(app_id, url), indent=2))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()
