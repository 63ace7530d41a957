"""`kansli teams-paket`: the Teams app package (a zip) that an administrator uploads.

The package holds `manifest.json` and the two icons at its root. The manifest
is read from a template (`deploy/teams/manifest.json` by default) whose
placeholders are filled in here:

- `{{MicrosoftAppId}}`: the bot's app id (from --app-id or the MicrosoftAppId setting); also the app's id,
- `{{KANSLI_PUBLIC_URL}}` and `{{KANSLI_PUBLIC_HOST}}`: where kansli is reached (--public-url or KANSLI_PUBLIC_URL),
- `{{VERSION}}`: kansli's version, so that every upgrade is a new app version for Teams.

The icons are taken from the template's folder; a missing icon is drawn by
the small PNG writer below, which also made the ones in deploy/teams/.
"""
from __future__ import annotations

import argparse
import json
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse
from handlers.i18n import _

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "deploy" / "teams"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
ICON_SIZES = {"color.png": 192, "outline.png": 32}
ACCENT = (0x1F, 0x5C, 0x99)
WHITE = (255, 255, 255)

Pixel = tuple[int, int, int, int]


class PackageError(Exception):
    """A Swedish sentence for the operator: what is missing and how to give it."""


# ------------------------------------------------------------------------------------------ PNG


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG whose pixel (x, y) is pixel(x, y)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(bytes(pixel(x, y)))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + \
        _chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header; ValueError if it is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _document(x: int, y: int, *, left: int, top: int, right: int, bottom: int, border: int,
              rules: tuple[int, ...], rule_left: int, rule_right: int, rule_height: int) -> str:
    """Where (x, y) falls on a sheet of paper with ruled lines: 'edge', 'rule', 'paper' or 'outside'."""
    if not (left <= x < right and top <= y < bottom):
        return "outside"
    if x < left + border or x >= right - border or y < top + border or y >= bottom - border:
        return "edge"
    if rule_left <= x < rule_right and any(r <= y < r + rule_height for r in rules):
        return "rule"
    return "paper"


def color_icon() -> bytes:
    """192×192: a white sheet with ruled lines (a case list) on kansli's accent colour."""

    def pixel(x: int, y: int) -> Pixel:
        where = _document(x, y, left=52, top=32, right=140, bottom=160, border=0, rules=(60, 82, 104, 126),
                          rule_left=68, rule_right=124, rule_height=8)
        if where in ("paper", "edge"):
            return (*WHITE, 255)
        return (*ACCENT, 255)

    return png(192, 192, pixel)


def outline_icon() -> bytes:
    """32×32: the same sheet drawn in white lines on a transparent background."""

    def pixel(x: int, y: int) -> Pixel:
        where = _document(x, y, left=7, top=3, right=25, bottom=29, border=2, rules=(10, 15, 20),
                          rule_left=11, rule_right=21, rule_height=2)
        return (*WHITE, 255) if where in ("edge", "rule") else (0, 0, 0, 0)

    return png(32, 32, pixel)


DRAWN = {"color.png": color_icon, "outline.png": outline_icon}


def write_icons(folder: Path) -> None:
    """(Re)draw deploy/teams/color.png and outline.png."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, draw in DRAWN.items():
        (folder / name).write_bytes(draw())


# ------------------------------------------------------------------------------------------ manifest


def kansli_version() -> str:
    try:
        from importlib.metadata import version

        return version("kansli")
    except Exception:  # noqa: BLE001 - running from a checkout that is not installed
        return "0.1.0"


def _fill(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, str):
        for key, value in values.items():
            node = node.replace("{{" + key + "}}", value)
        return node
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    return node


def build_manifest(template: dict[str, Any], *, app_id: str, public_url: str, version: str) -> dict[str, Any]:
    """The template with its placeholders filled in; empty valid domains are dropped."""
    app_id = (app_id or "").strip()
    if not app_id:
        raise PackageError(
            _("Appens id saknas. Ange det med --app-id eller sätt MicrosoftAppId (botens id från Azure Bot).")
        )
    if not GUID.match(app_id):
        raise PackageError(
            _("”{app_id}” är inget app-id; det ska se ut som "
              "9b2d7a4e-5c1f-4d3a-8e6b-0f1a2b3c4d5e (MicrosoftAppId).",
              app_id=app_id)
        )
    public_url = (public_url or "").strip().rstrip("/")
    host = urlparse(public_url).hostname if public_url else None
    if not public_url or not host or urlparse(public_url).scheme not in ("http", "https"):
        raise PackageError(
            _("Teams-manifestet behöver kanslis webbadress. Sätt KANSLI_PUBLIC_URL eller ange "
              "--public-url, till exempel --public-url https://kansli.example.se.")
        )
    manifest = _fill(template, {
        "MicrosoftAppId": app_id.lower(),
        "KANSLI_PUBLIC_URL": public_url,
        "KANSLI_PUBLIC_HOST": host,
        "VERSION": version,
    })
    if isinstance(manifest.get("validDomains"), list):
        manifest["validDomains"] = sorted({d for d in manifest["validDomains"] if d})
    return manifest


def build_package(out: Path, *, app_id: str, public_url: str, template_dir: Path = TEMPLATE_DIR,
                  version: str | None = None) -> dict[str, Any]:
    """Write the zip; returns the manifest it holds."""
    manifest_path = template_dir / "manifest.json"
    try:
        template = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError(_("Hittar inte manifestmallen {manifest_path}; ange katalogen med --mall.",
                             manifest_path=manifest_path)) from None
    except ValueError as exc:
        raise PackageError(_("Manifestmallen {manifest_path} är inte giltig JSON ({exc}); rätta filen.",
                             manifest_path=manifest_path, exc=exc)) from None
    manifest = build_manifest(template, app_id=app_id, public_url=public_url, version=version or kansli_version())
    icons: dict[str, bytes] = {}
    for name, side in ICON_SIZES.items():
        path = template_dir / name
        data = path.read_bytes() if path.exists() else DRAWN[name]()
        try:
            found = png_size(data)
        except ValueError:
            raise PackageError(_("{path} är ingen PNG-bild; Teams vill ha PNG.", path=path)) from None
        if found != (side, side):
            raise PackageError(_("{path} är {value}×{value2} bildpunkter; Teams kräver {side}×{side}.",
                                 path=path, value=found[0], value2=found[1], side=side))
        icons[name] = data
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        for name, data in icons.items():
            zf.writestr(name, data)
    return manifest


# ------------------------------------------------------------------------------------------ CLI


def cmd_teams_package(args: argparse.Namespace) -> int:
    from bot.config import load_settings

    settings = load_settings()
    out = Path(args.output)
    try:
        manifest = build_package(
            out,
            app_id=args.app_id or settings.microsoft_app_id,
            public_url=args.public_url or settings.public_url,
            template_dir=Path(args.template) if args.template else TEMPLATE_DIR,
        )
    except PackageError as exc:
        # Printed here rather than raised as bot.cli.CliError: under `python -m bot.cli` that module is __main__.
        print(str(exc), file=sys.stderr)
        return 1
    commands = sorted({c["title"] for cl in manifest["bots"][0].get("commandLists", []) for c in cl["commands"]})
    print(_("Skrev {out} (manifest.json, color.png, outline.png) för app-id {value}, version "
            "{value2}.",
            out=out, value=manifest['id'], value2=manifest['version']))
    print(f"Kommandon i Teams: {', '.join(commands)}.")
    print(_("Ladda upp filen i Teams (Appar → Hantera dina appar → Ladda upp en app) eller i "
            "Teams administrationscenter."))
    return 0


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("teams-paket", help=_("bygg Teams-appens paket (zip) att ladda upp i Teams"))
    p.add_argument("-o", "--output", default="kansli-teams.zip", metavar="FIL",
                   help=_("zip-filen som skrivs (standard: kansli-teams.zip)"))
    p.add_argument("--app-id", help="botens app-id (standard: MicrosoftAppId)")
    p.add_argument("--public-url", help="kanslis webbadress (standard: KANSLI_PUBLIC_URL)")
    p.add_argument("--mall", dest="template", metavar="KATALOG",
                   help=_("katalog med manifest.json och ikoner (standard: deploy/teams)"))
    p.set_defaults(func=cmd_teams_package)
