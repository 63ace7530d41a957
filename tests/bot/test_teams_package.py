"""`kansli teams-paket`: the zip an administrator uploads to Teams, validated against the Teams schema."""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest

from bot.teams_package import TEMPLATE_DIR, PackageError, build_manifest, png_size
from tests.conftest import DATA, ROOT

APP_ID = "9b2d7a4e-5c1f-4d3a-8e6b-0f1a2b3c4d5e"
TENANT_ID = "72f988bf-0000-4000-8000-000000000001"
# Built directly: Draft 7 enforces the schema's `const` manifestVersion; see tests/data/schemas/README.md.
MANIFEST_VALIDATOR = jsonschema.Draft7Validator(
    json.loads((DATA / "schemas" / "teams-manifest.schema.json").read_text(encoding="utf-8-sig"))
)


def kansli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "KANSLI_"))}
    clean.update(PYTHONPATH=str(ROOT), KANSLI_DATABASE_URL=f"sqlite:///{cwd / 'k.db'}", **env)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=clean, capture_output=True,
                          text=True, timeout=60)


def pixels(data: bytes) -> list[tuple[int, int, int, int]]:
    """The RGBA pixels of an unfiltered 8-bit RGBA PNG (what the package writer produces)."""
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        if kind == b"IHDR":
            assert data[pos + 16:pos + 18] == bytes([8, 6])  # 8-bit RGBA: it has transparency
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    width, height = png_size(data)
    raw = zlib.decompress(idat)
    out = []
    for y in range(height):
        row = raw[y * (width * 4 + 1):(y + 1) * (width * 4 + 1)]
        assert row[0] == 0
        out += [tuple(row[1 + 4 * x:5 + 4 * x]) for x in range(width)]
    return out


def test_teams_paket_builds_a_package_teams_accepts(tmp_path: Path) -> None:
    out = kansli(["teams-paket", "-o", "pkg.zip"], tmp_path, MicrosoftAppId=APP_ID,
                 MicrosoftAppPassword="hemligt", MicrosoftAppTenantId=TENANT_ID, KANSLI_PUBLIC_URL="https://kansli.example.se/")
    assert out.returncode == 0, out.stderr
    assert "pkg.zip" in out.stdout and "anmäl frånvaro" in out.stdout
    with zipfile.ZipFile(tmp_path / "pkg.zip") as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
        color, outline = zf.read("color.png"), zf.read("outline.png")
    MANIFEST_VALIDATOR.validate(manifest)
    assert manifest["manifestVersion"] == "1.29"
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["kansli.example.se"]
    assert manifest["developer"]["websiteUrl"] == "https://kansli.example.se"
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    titles = {c["title"] for cl in manifest["bots"][0]["commandLists"] for c in cl["commands"]}
    assert {"anmäl frånvaro", "anmäl ärende", "dagordning", "uppdrag", "möten", "ärenden", "hjälp"} <= titles
    assert png_size(color) == (192, 192)
    assert png_size(outline) == (32, 32)
    # The outline icon is white on transparent, as Teams asks.
    assert {p for p in pixels(outline) if p[3] != 0} == {(255, 255, 255, 255)}
    assert any(p[3] == 0 for p in pixels(outline))


def test_app_id_option_wins_over_the_setting(tmp_path: Path) -> None:
    other = "11111111-2222-3333-4444-555555555555"
    out = kansli(["teams-paket", "-o", "a.zip", "--app-id", other, "--public-url", "https://k.example.se"],
                 tmp_path)
    assert out.returncode == 0, out.stderr
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
    MANIFEST_VALIDATOR.validate(manifest)
    assert manifest["bots"][0]["botId"] == other


def test_without_an_app_id_the_operator_is_told_what_to_give(tmp_path: Path) -> None:
    out = kansli(["teams-paket", "-o", "a.zip"], tmp_path, KANSLI_PUBLIC_URL="https://k.example.se")
    assert out.returncode == 1
    assert "--app-id" in out.stderr and "MicrosoftAppId" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "a.zip").exists()


def test_a_malformed_app_id_or_missing_address_is_refused() -> None:
    template = json.loads((TEMPLATE_DIR / "manifest.json").read_text(encoding="utf-8"))
    with pytest.raises(PackageError, match="inget app-id"):
        build_manifest(template, app_id="kansli-bot", public_url="https://k.example.se", version="1.0.0")
    with pytest.raises(PackageError, match="KANSLI_PUBLIC_URL"):
        build_manifest(template, app_id=APP_ID, public_url="", version="1.0.0")


def test_the_checked_in_icons_have_the_sizes_teams_requires() -> None:
    assert png_size((ROOT / "deploy" / "teams" / "color.png").read_bytes()) == (192, 192)
    assert png_size((ROOT / "deploy" / "teams" / "outline.png").read_bytes()) == (32, 32)
