"""Every command has help text and is documented; --help stays light."""

from __future__ import annotations

import re
import subprocess
import sys

from typing import Any

import typer.main

from qualcode.cli.main import app
from tests.conftest import REPO, Run


def commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    out: list[tuple[str, Any]] = []

    def walk(prefix: str, cmd: Any) -> None:
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            for name, sub in cmd.commands.items():
                walk(f"{prefix} {name}".strip(), sub)
            return  # a group is documented through its commands
        if prefix:
            out.append((prefix, cmd))

    walk("", root)
    return out


def test_every_command_has_help_and_is_documented() -> None:
    docs = (REPO / "README.md").read_text(encoding="utf-8")
    for doc in sorted((REPO / "docs").glob("*.md")) if (REPO / "docs").exists() else []:
        docs += doc.read_text(encoding="utf-8")
    # `qualcode --coder maria uncode 9 x` documents `qualcode uncode`: drop global options.
    docs = re.sub(r"qualcode((?: --(?:coder|db) \S+| -q| --quiet)+)", "qualcode", docs)
    names = commands()
    assert len(names) >= 15
    for name, cmd in names:
        assert (cmd.help or "").strip(), f"`qualcode {name}` has no help text"
        assert f"qualcode {name}" in docs, f"`qualcode {name}` is not in README.md or docs/"


def test_help_runs(run: Run) -> None:
    out = run("--help").stdout
    for name in ("init", "ingest", "codebook", "suggest", "accept", "report"):
        assert name in out


def test_help_does_not_import_heavy_libraries() -> None:
    # A fresh interpreter (not a shell): import state must be clean to see what --help loads.
    code = ("import sys; from typer.testing import CliRunner; from qualcode.cli.main import app; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0; "
            "print(sorted(m for m in ('spacy', 'sqlite_utils', 'yaml', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
