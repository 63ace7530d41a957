"""The message catalogue: every sentence a user reads goes through `_()` or `ngettext()` here.

The source strings are Swedish and the catalogue is `handlers/locale/sv/LC_MESSAGES/kansli.po`
(gettext domain ``kansli``): the one file a reviewer reads and corrects. A corrected ``msgstr`` is what
users see; counts go through ``ngettext`` so that agreement ("1 möte inlagt", "2 möten inlagda") is
the catalogue's job, not string concatenation.

The compiled ``kansli.mo`` is built from the .po with Babel's tools when it is missing or older than
the .po (at import, so a fresh clone with ``pip install -e .`` works), and in memory when the package
directory is read-only. ``python -m handlers.i18n`` extracts the strings from handlers/ and bot/ (and bot/templates) into
the .po, keeping the corrections already made there.
"""
from __future__ import annotations

import gettext
import io
from pathlib import Path

DOMAIN = "kansli"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
PO_PATH = LOCALE_DIR / "sv" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_PATH = PO_PATH.with_suffix(".mo")
ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("handlers", "bot")
# Babel's default keywords, plus the pgettext-free helpers below.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
# Python modules, and the web and e-mail templates (bot/templates/*.html), which call the same `_()`
# (installed as a Jinja global by bot/web.py and bot/mail/render.py); Jinja's own Babel extractor reads them.
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]


def _read_catalog(path: Path = PO_PATH):
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f, locale="sv", domain=DOMAIN)


def compile_catalogue(po: Path = PO_PATH, mo: Path | None = MO_PATH) -> bytes:
    """The .mo bytes for the .po; written to `mo` when given (and writable)."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, _read_catalog(po), use_fuzzy=False)
    data = buf.getvalue()
    if mo is not None:
        try:
            mo.write_bytes(data)
        except OSError:
            pass  # an installed, read-only package: the translations still load from memory
    return data


def _stale(po: Path = PO_PATH, mo: Path = MO_PATH) -> bool:
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def load() -> gettext.NullTranslations:
    if not PO_PATH.exists():
        return gettext.NullTranslations()
    if _stale():
        return gettext.GNUTranslations(io.BytesIO(compile_catalogue()))
    with MO_PATH.open("rb") as f:
        return gettext.GNUTranslations(f)


_translations = load()


def _(message: str, **values) -> str:
    """The catalogue's sentence for `message`, formatted with `values` when any are given
    (``_("Mötet {day} är inställt.", day=...)``)."""
    text = _translations.gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values) -> str:
    """The catalogue's form for the count `n`, formatted with ``n`` and `values`
    (``ngettext("{n} möte inlagt", "{n} möten inlagda", 2)`` → "2 möten inlagda")."""
    return _translations.ngettext(singular, plural, n).format(**{"n": n, **values})


def extract():
    """Every `_()`/`ngettext()` string in handlers/ and bot/ (modules and templates), as a Babel catalogue."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(locale="sv", domain=DOMAIN, project="kansli", charset="utf-8")
    for directory in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / directory, method_map=METHOD_MAP, keywords=KEYWORDS,
        ):
            if "locale" in filename:
                continue
            catalog.add(message, None, [(f"{directory}/{filename}", lineno)], auto_comments=comments,
                        context=context)
    return catalog


def update_po(path: Path = PO_PATH) -> int:
    """Merge the extracted strings into the .po: new strings get their Swedish source as the
    translation (to be read and corrected there), corrections already made stay. Returns how many
    strings are new."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    old = _read_catalog(path) if path.exists() else Catalog(locale="sv", domain=DOMAIN)
    new = extract()
    added = 0
    for message in new:
        if not message.id:
            continue
        kept = old.get(message.id, context=message.context)
        if kept is not None and kept.string and any(kept.string if isinstance(kept.string, tuple)
                                                    else [kept.string]):
            message.string = kept.string
        else:
            added += kept is None
            message.string = tuple(message.id) if isinstance(message.id, tuple) else message.id
    new.header_comment = ("# The Swedish message catalogue of kansli: every sentence a user reads.\n"
                          "# Correct the msgstr lines; docs/ordlista.md decides the terms.\n"
                          "# Update with: python -m handlers.i18n")
    new.fuzzy = False
    new.version = "0.1"
    new.msgid_bugs_address = ""
    new.last_translator = "kansli"
    new.language_team = "kansli"
    if path.exists():  # dates and line numbers only change when the strings do
        new.creation_date = old.creation_date
        new.revision_date = old.revision_date
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, new, width=110, sort_by_file=True, omit_header=False, include_lineno=False)
    compile_catalogue(path)
    return added


if __name__ == "__main__":  # pragma: no cover - a maintenance tool
    print(f"{update_po()} new strings in {PO_PATH.relative_to(ROOT)}")
