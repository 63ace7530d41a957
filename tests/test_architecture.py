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
