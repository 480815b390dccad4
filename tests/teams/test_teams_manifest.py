"""`baton teams-manifest` through the CLI: the zip Teams' "Upload a custom app" accepts."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bot.cli import main

APP_ID = "11111111-2222-3333-4444-555555555555"


def _png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the decoded RGBA rows of a PNG we wrote (filter 0, no interlace)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    assert (depth, color) == (8, 6)
    idat, pos = b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    return width, height, [raw[i * stride + 1:(i + 1) * stride] for i in range(height)]


def test_the_package_has_a_current_manifest_the_commands_and_both_icons(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "baton-teams.zip"
    assert main(["teams-manifest", "--app-id", APP_ID, "--url", "https://baton.example.com/", "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color, outline = archive.read("color.png"), archive.read("outline.png")
    assert manifest["manifestVersion"] == "1.19" and "v1.19" in manifest["$schema"]
    assert manifest["id"] == APP_ID and len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"team", "personal", "groupChat"}
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert titles == ["help", "status", "mine", "overdue", "open", "metrics", "export"]
    assert bot["supportsFiles"] is True  # `export` sends its CSV through the bot file APIs
    assert all(len(c["description"]) <= 128 for c in bot["commandLists"][0]["commands"])
    assert manifest["validDomains"] == ["baton.example.com"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    width, height, _ = _png(color)
    assert (width, height) == (192, 192)
    width, height, rows = _png(outline)
    assert (width, height) == (32, 32)
    pixels = [row[i:i + 4] for row in rows for i in range(0, len(row), 4)]
    assert all(p == b"\xff\xff\xff\xff" or p[3] == 0 for p in pixels)  # white on transparent only
    assert any(p[3] == 0 for p in pixels) and any(p[3] == 255 for p in pixels)


@pytest.mark.parametrize(("app_id", "url", "reason"), [
    ("not-a-guid", "https://baton.example.com", "GUID"),
    (APP_ID, "http://baton.example.com", "https"),
])
def test_a_bad_app_id_or_url_is_refused_with_a_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      app_id: str, url: str, reason: str) -> None:
    out = tmp_path / "x.zip"
    assert main(["teams-manifest", "--app-id", app_id, "--url", url, "--out", str(out)]) == 2
    assert reason in capsys.readouterr().err and not out.exists()
