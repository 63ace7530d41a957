"""The layers hold: import-linter's contracts in pyproject.toml are kept.

A handler that imported Slack, or storage that imported a handler, would make the
platform-free core depend on one chat platform; this test names the import that breaks it.
"""
from __future__ import annotations

import os
from pathlib import Path

from importlinter import cli

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept(capsys) -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        rc = cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert rc == cli.EXIT_STATUS_SUCCESS, out
    assert "2 kept, 0 broken" in out


def import_cycles(graph, modules: set[str]) -> list[list[str]]:
    """The groups of modules that import each other (strongly connected, two or more), each sorted."""
    edges = {m: {n for n in graph.find_modules_directly_imported_by(m) if n in modules and n != m} for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for m in sorted(modules):
        if m not in index:
            visit(m)
    return groups


def describe_cycle(graph, group: list[str]) -> str:
    """One cycle through the group, with the import lines that make it."""
    first = group[0]
    lines = []
    for a in group:
        for b in group:
            if a != b and graph.direct_import_exists(importer=a, imported=b):
                for d in graph.get_import_details(importer=a, imported=b):
                    lines.append(f"  {a}:{d['line_number']}  {d['line_contents'].strip()}")
    back = next(b for b in group if b != first and graph.find_shortest_chain(importer=b, imported=first))
    chain = list(graph.find_shortest_chain(importer=first, imported=back)) + \
        list(graph.find_shortest_chain(importer=back, imported=first))[1:]
    return " → ".join(chain) + "\n" + "\n".join(lines)


def test_no_module_of_bot_handlers_or_storage_imports_itself_round_about() -> None:
    """No import cycles, function-level (lazy) imports included: domain modules sit below the commands that use
    them (README, Layout). A cycle is named with the import lines that make it."""
    import grimp

    graph = grimp.build_graph("bot", "handlers", "storage", include_external_packages=False)
    modules = {m for m in graph.modules if m.split(".")[0] in ("bot", "handlers", "storage")}
    cycles = import_cycles(graph, modules)
    assert not cycles, "import cycles (move the shared part into a lower module):\n" + "\n\n".join(
        describe_cycle(graph, g) for g in cycles)
