"""Commands are declared once: /hjälp, the docs' command tables and the role check read the same declaration.

These tests need no database: the declarations, the docs' tables and the option grammar are plain data.
"""
from __future__ import annotations

import inspect

import pytest

from handlers import command_docs, registry
from handlers.help import help_line
from handlers.options import option_parts, read_options, split_options, take_option
from handlers.base import UserError


@pytest.mark.parametrize("path", command_docs.DOCUMENTS, ids=lambda p: p.name)
def test_the_documents_command_table_is_the_one_the_declarations_make(path) -> None:
    text = path.read_text(encoding="utf-8")
    table = command_docs.table_in(text)
    assert table is not None, f"{path.name} has lost its command table markers ({command_docs.BEGIN})"
    assert table == command_docs.command_table(), (
        f"{path.name}'s command table differs from the command declarations; "
        f"run `{command_docs.REGENERATE}` and commit the result")


def test_every_declaration_that_limits_roles_says_what_a_refusal_names() -> None:
    registry.load_all()
    for cmd in registry.commands():
        if cmd.roles is None:
            assert cmd.who == "alla" and cmd.forum is None, cmd.name
            continue
        assert cmd.roles <= set(registry.ROLE_NAMES), cmd.name
        assert cmd.doing, f"/{cmd.name} limits its roles but its declaration has no doing= for the refusal"
        assert f"({cmd.who})" in help_line(cmd)


def test_a_command_that_checks_its_roles_in_its_body_declares_them() -> None:
    """require_command_role checks the declared roles; a handler calling it must have some to check."""
    registry.load_all()
    for cmd in registry.commands():
        source = inspect.getsource(cmd.handler)
        if "require_command_role" in source:
            assert cmd.roles is not None, f"/{cmd.name} checks roles it does not declare"
        params = list(inspect.signature(cmd.handler).parameters)
        if cmd.meeting is not None:
            assert params[:2] == ["ctx", "meeting"], f"/{cmd.name} gets the chosen meeting as its second argument"
            assert cmd.args is not None, f"/{cmd.name}: the meeting is named in its parsed arguments"
            assert "require_command_role" not in source, f"/{cmd.name}: the registry checks the role in the meeting's forum"
        elif cmd.forum == registry.NAMED_FORUM:
            assert params[:2] == ["ctx", "forum"], f"/{cmd.name} gets the chosen forum as its second argument"
        elif cmd.forum == registry.CASE_FORUM:
            assert params[:2] == ["ctx", "case"], f"/{cmd.name} gets the case as its second argument"
            assert "require_command_role" not in source, f"/{cmd.name}: the registry checks the role in the case's forum"
        else:
            assert params[:2] == ["ctx", "args"], f"/{cmd.name} gets its arguments as text"


def test_the_vice_chair_may_see_the_case_list_and_help_says_so() -> None:
    registry.load_all()
    cases = registry.match("/ärenden")[0]
    assert cases.allowed_for({"vice_chair"}) and "vice ordförande" in cases.who
    assert not cases.allowed_for({"member"})


def test_a_declaration_is_checked_when_it_is_made() -> None:
    with pytest.raises(ValueError, match="doing"):
        registry.command("provkommando", usage="/provkommando", help="prov", roles={"coordinator"})
    with pytest.raises(ValueError, match="forum policy"):
        registry.command("provkommando", usage="/provkommando", help="prov", roles={"coordinator"}, doing="prova",
                         forum="kanalen")
    with pytest.raises(ValueError, match="meeting policy"):
        registry.command("provkommando", usage="/provkommando", help="prov", roles={"coordinator"}, doing="prova",
                         meeting="igår")
    with pytest.raises(ValueError, match="needs a parser"):
        registry.command("provkommando", usage="/provkommando", help="prov", roles={"coordinator"}, doing="prova",
                         meeting=registry.MEETING_ARG)
    with pytest.raises(ValueError, match="needs a parser"):
        registry.command("provkommando", usage="/provkommando", help="prov", roles={"coordinator"}, doing="prova",
                         forum=registry.CASE_FORUM)


# ------------------------------------------------------------------------------------ the option grammar


def test_an_option_may_be_written_with_or_without_its_colon() -> None:
    assert split_options("Falun; plats: Myntgatan 2; dnr RSS 2026/4", {"plats", "dnr"}) == \
        ("Falun", {"plats": "Myntgatan 2", "dnr": "RSS 2026/4"})
    allowed = {"senast": "senast", "skal": "skäl"}
    assert read_options("4; senast 6 november; skäl: sjukdom", allowed, usage="/x") == \
        ("4", {"senast": "6 november", "skäl": "sjukdom"})


def test_an_unknown_option_is_refused_with_the_known_ones() -> None:
    with pytest.raises(UserError) as refused:
        read_options("4; färg: blå", {"senast": "senast"}, usage="/uppdrag förläng ID; senast DATUM")
    said = refused.value.message
    assert "färg: blå" in said and "senast" in said and "/uppdrag förläng ID; senast DATUM" in said


def test_a_part_without_a_known_name_is_kept_unnamed_and_a_value_may_hold_a_colon() -> None:
    assert option_parts("T; något annat; plats Falun: sal 3", {"plats"}) == \
        ("T", [("", "något annat"), ("plats", "Falun: sal 3")])


def test_the_forum_option_is_taken_out_with_or_without_colon_but_a_title_may_begin_with_forum() -> None:
    assert take_option("6 mars; forum: lchnv", "forum") == ("lchnv", "6 mars")
    assert take_option("6 mars; forum lchnv; plats: x", "forum") == ("lchnv", "6 mars; plats: x")
    assert take_option("Forum för samverkan; syfte: beslut", "forum") == (None, "Forum för samverkan; syfte: beslut")
    assert take_option("forum: lchnv", "forum") == ("lchnv", "")
