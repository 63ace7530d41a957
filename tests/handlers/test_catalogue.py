"""The Swedish message catalogue (issue 23): one .po a reviewer reads, plural forms from the catalogue,
and no Swedish sentence left outside it in the modules moved to it."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from handlers import i18n
from handlers.i18n import _, ngettext

ROOT = Path(__file__).resolve().parents[2]


def test_counts_agree_with_their_number() -> None:
    assert ngettext("{n} möte inlagt", "{n} möten inlagda", 1) == "1 möte inlagt"
    assert ngettext("{n} möte inlagt", "{n} möten inlagda", 2) == "2 möten inlagda"
    assert ngettext("{n} möte inlagt", "{n} möten inlagda", 0) == "0 möten inlagda"
    assert _("Visar {what}.", what="mötet") == "Visar mötet."


def test_the_catalogue_holds_every_string_marked_in_the_code() -> None:
    """A string wrapped in _() or ngettext() but missing from kansli.po would never reach the reviewer:
    `python -m handlers.i18n` adds it."""
    catalog = i18n._read_catalog()
    missing = [f"{m.locations[0][0]}:{m.locations[0][1]}: {m.id!r}" for m in i18n.extract()
               if m.id and catalog.get(m.id, context=m.context) is None]
    assert missing == [], "Run `python -m handlers.i18n`; not in kansli.po:\n" + "\n".join(missing)


def test_the_catalogue_is_swedish_with_two_plural_forms_and_every_entry_translated() -> None:
    catalog = i18n._read_catalog()
    assert str(catalog.locale) == "sv"
    assert catalog.num_plurals == 2 and catalog.plural_expr.replace(" ", "") in ("(n!=1)", "n!=1")
    empty = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert empty == []


def test_a_correction_in_the_po_is_what_the_user_reads(tmp_path) -> None:
    """The reviewer edits msgstr; the compiled catalogue carries the edit (and plural forms)."""
    import gettext
    import io

    po = tmp_path / "kansli.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "Du föredrar ärende {number}."\nmsgstr "Du är föredragande för ärende {number}."\n\n'
        'msgid "{n} möte"\nmsgid_plural "{n} möten"\nmsgstr[0] "{n} möte"\nmsgstr[1] "{n} möten"\n',
        encoding="utf-8")
    mo = tmp_path / "kansli.mo"
    translations = gettext.GNUTranslations(io.BytesIO(i18n.compile_catalogue(po, mo)))
    assert mo.exists() and not i18n._stale(po, mo)
    assert translations.gettext("Du föredrar ärende {number}.") == "Du är föredragande för ärende {number}."
    assert translations.ngettext("{n} möte", "{n} möten", 3) == "{n} möten"


def test_a_module_using_the_catalogue_never_rebinds_underscore() -> None:
    """`for x, _ in …` inside a function that also calls _() would break every message in it."""
    bad = []
    for path in [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "bot").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(n, ast.ImportFrom) and n.module == "handlers.i18n" and any(a.name == "_" for a in n.names)
                   for n in ast.walk(tree)):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


# --- a Swedish literal outside the catalogue fails -------------------------------------------------------

# The modules whose user-facing strings are all in the catalogue. A module joins this list when its
# sentences are wrapped in _() / ngettext(); the test then keeps it that way.
# Every module has moved (bot/dates.py and bot/teams.py last); the web and e-mail templates
# (bot/templates/*.html) are checked separately below.
NOT_YET: set[str] = set()
# Modules that type commands, as a person would, rather than say sentences: bot/demo.py plays the demo's history.
COMMAND_MODULES = {"bot/demo.py"}
FINISHED = sorted(path for path in (str(p.relative_to(ROOT)) for p in [*(ROOT / "handlers").glob("*.py"),
                                                                      *(ROOT / "bot").rglob("*.py")])
                  if path not in NOT_YET | COMMAND_MODULES)
# Command text built for the user to run (typed, not read): not a sentence for the catalogue.
COMMAND_TEXT = {"anmäl ärende "}
SWEDISH = re.compile(r"[åäöÅÄÖ]|\b(?:och|att|som|för|med|inte|har|ett|en|det|den|till|skriv|ange|finns|kan)\b",
                     re.IGNORECASE)
CATALOGUE_CALLS = {"_", "gettext", "ngettext"}
# Strings that are data, not sentences: command words, parser vocabularies, role keys.
ALLOWED_CALLS = {"normalise", "re.compile", "re.match", "re.search", "re.sub", "re.fullmatch", "re.split",
                 "command", "startswith", "endswith", "get", "pop", "split", "audit", "_babel_date", "_babel_time"}


def _literals_outside_catalogue(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node

    def inside_allowed(node: ast.AST) -> bool:
        while node in parents:
            child, node = node, parents[node]
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if name in CATALOGUE_CALLS or name in ALLOWED_CALLS:
                    return True
                if name == "Action" and len(node.args) > 1 and node.args[1] is child:
                    return True  # a button's command is typed, not read
                if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and \
                        f"{f.value.id}.{f.attr}" in ALLOWED_CALLS:
                    return True
            if isinstance(node, (ast.Dict, ast.Set, ast.Compare, ast.Subscript)):
                return True  # lookup tables of command words and comparisons with what the user typed
            if isinstance(node, ast.keyword) and node.arg in ("usage", "command", "name", "aliases", "who"):
                return True  # a command's own words (the registry), not a sentence
        return False

    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    found: dict[int, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
            continue
        text = node.value
        if not SWEDISH.search(text) or " " not in text.strip() and not text.strip()[:1].isupper():
            continue  # a vocabulary word or command word ('förslag', 'föredragande'), not a sentence
        if inside_allowed(node) or text in COMMAND_TEXT:
            continue
        found.setdefault(node.lineno, f"{path.relative_to(ROOT)}:{node.lineno}: {text[:60]!r}")
    return [found[line] for line in sorted(found)]


@pytest.mark.parametrize("module", FINISHED)
def test_a_swedish_literal_outside_the_catalogue_fails(module: str) -> None:
    assert _literals_outside_catalogue(ROOT / module) == []


def test_the_scan_catches_a_swedish_sentence(tmp_path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('from handlers.i18n import _\nok = _("Mötet är inställt.")\nbad = f"Mötet är {1} inställt."\n',
                      encoding="utf-8")
    import tests.handlers.test_catalogue as me

    old = me.ROOT
    me.ROOT = tmp_path
    try:
        found = _literals_outside_catalogue(sample)
    finally:
        me.ROOT = old
    assert len(found) == 1 and "sample.py:3" in found[0]


def test_every_module_calling_the_catalogue_imports_it() -> None:
    missing = []
    for path in [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "bot").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.asname or a.name for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
                    for a in n.names}
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        for name in ("_", "ngettext"):
            called = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
                         for n in ast.walk(tree))
            if called and name not in imported | defined:
                missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert missing == []


# --- Swedish quotation marks ------------------------------------------------------------------------------

# A line to type in a shell keeps the shell's quotes ('  .venv/bin/kansli chat --as eva.strand '/möten'').
SHELL_LINE = re.compile(r"^\s*(?:\.venv/bin/)?kansli\s")
STRAIGHT_QUOTES = re.compile(r"['\"]")


def straight_quotes(text: str) -> list[str]:
    """Straight quotes used as quotation marks in `text`: Swedish quotes with ” at both ends (”så här”).
    Code in backticks and shell lines keep theirs."""
    if SHELL_LINE.match(text):
        return []
    prose = re.sub(r"`[^`]*`", "", text)
    return [prose[max(0, m.start() - 20):m.end() + 20] for m in STRAIGHT_QUOTES.finditer(prose)]


def test_the_catalogue_quotes_the_swedish_way() -> None:
    """Språkrådet: ”så här”, not 'så här' or "så här" (docs/ordlista.md), in every msgid and msgstr."""
    catalog = i18n._read_catalog()
    found = []
    for m in catalog:
        if not m.id:
            continue
        texts = [*(m.id if isinstance(m.id, tuple) else [m.id]), *(m.string if isinstance(m.string, tuple)
                                                                   else [m.string])]
        found += [f"{m.locations[0][0] if m.locations else '?'}: …{hit}…" for t in texts for hit in straight_quotes(t)]
    assert found == [], "Use ” ” quotes:\n" + "\n".join(found)


def test_the_quote_check_finds_straight_quotes() -> None:
    assert straight_quotes("Jag känner inte igen '/fika'.") != []
    assert straight_quotes('Skriv "kl 9".') != []
    assert straight_quotes("Jag känner inte igen ”/fika”. Skriv `kansli chat --as 'x'`.") == []
    assert straight_quotes("  .venv/bin/kansli chat --as eva.strand '/möten'") == []


# --- the web and e-mail templates ---------------------------------------------------------------------------

TEMPLATES = ROOT / "bot" / "templates"


def _template_text_outside_catalogue(source: str) -> list[str]:
    """Text a reader sees in a Jinja template that does not come from `{{ _("…") }}`: what is left once
    styles, expressions, statements and tags are taken out."""
    text = re.sub(r"<style>.*?</style>|<code>.*?</code>", " ", source, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
    # Attributes a reader meets (aria-label, title, placeholder) must come from the catalogue as well.
    attrs = re.findall(r'(?:aria-label|title|placeholder|alt)="([^"{]+)"', text)
    text = re.sub(r"<[^>]*>", " ", text)
    words = [w for w in (*text.split("\n"), *attrs) if re.search(r"[A-Za-zÅÄÖåäö]{2,}", w)]
    return [w.strip() for w in words]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_a_template_says_nothing_outside_the_catalogue(template: str) -> None:
    assert _template_text_outside_catalogue((TEMPLATES / template).read_text(encoding="utf-8")) == []


def test_the_template_scan_catches_text_and_the_extraction_reads_templates() -> None:
    assert _template_text_outside_catalogue("<h1>Forum</h1>") == ["Forum"]
    assert _template_text_outside_catalogue('<a aria-label="Du är här">{{ _("Alla forum") }}</a>') == ["Du är här"]
    assert _template_text_outside_catalogue('<h1>{{ _("Forum") }}</h1>') == []
    extracted = {m.id for m in i18n.extract() if m.locations and m.locations[0][0].startswith("bot/templates/")}
    assert "Noteringar i frånvaroanmälningar publiceras aldrig." in extracted
