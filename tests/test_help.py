"""Every command has help text and is documented; --help stays light."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from typing import Any

import typer.main
from typer._click import HelpFormatter
from typer.core import TyperGroup

from qualcode.cli.main import COMMANDS, QualcodeGroup, app
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


# Imported by no `--help`: they are loaded by the code that uses them (Rich when something is
# drawn, sqlite3 and sqlite-utils when a project is opened, the rest by one format or layer).
HEAVY = ("rich", "sqlite3", "sqlite_utils", "yaml", "spacy", "numpy", "scipy", "lxml", "openpyxl", "docx", "PIL",
         "pydantic")


def modules_after(*runs: list[str]) -> list[set[str]]:
    """The modules a fresh interpreter (not a shell) has loaded after each ``qualcode ARGV``."""
    code = ("import sys, json; from typer.testing import CliRunner; from qualcode.cli.main import app\n"
            f"for argv in {[list(argv) for argv in runs]!r}:\n"
            "    r = CliRunner().invoke(app, argv); assert r.exit_code == 0, r.output\n"
            "    print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return [set(json.loads(line)) for line in out.splitlines()]


def heavy(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules} & set(HEAVY)


def test_help_from_the_entry_point_imports_no_typer() -> None:
    """The console script answers a help request from the recorded pages (cli/quick_help.py):
    not Typer or Click (six to nine times a bare interpreter's start-up), nor even typing."""
    requests = [["--help"], ["codebook", "add", "--help"], ["--db", "x.db", "report", "themes", "-h"]]
    code = ("import sys, json\n"
            "from qualcode.cli.entry import main\n"
            f"for argv in {requests!r}:\n"
            "    sys.argv = ['qualcode', *argv]; main()\n"
            "sys.stderr.write(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.count("Usage: qualcode") == 3 and "Usage: qualcode report themes" in done.stdout
    loaded = set(json.loads(done.stderr))
    assert not {m.split(".")[0] for m in loaded} & {"typer", "click", "typing", "shutil", *HEAVY}
    assert sorted(m for m in loaded if m.startswith("qualcode")) == [
        "qualcode", "qualcode.cli", "qualcode.cli.entry", "qualcode.cli.help_pages", "qualcode.cli.quick_help"]


def test_help_imports_no_command_and_no_heavy_library() -> None:
    # Through Typer (what the entry point falls back to, and what every command runs on).
    [loaded] = modules_after(["--help"])
    assert not heavy(loaded)
    # The listing comes from COMMANDS: not one command module is imported to show it.
    assert sorted(m for m in loaded if m.startswith("qualcode.")) == [
        "qualcode.cli", "qualcode.cli.context", "qualcode.cli.lazy", "qualcode.cli.main", "qualcode.errors"]


def test_command_help_imports_only_that_command() -> None:
    # One interpreter for all of them (each a second's start-up on a busy machine): what one
    # command's help imports stays loaded, so no heavy module at the end means none in any.
    names = list(COMMANDS)
    for name, loaded in zip(names, modules_after(*([name, "--help"] for name in names))):
        assert not heavy(loaded), f"`qualcode {name} --help` imports {sorted(heavy(loaded))}"
        assert COMMANDS[name][0].partition(":")[0] in loaded
    [ingest] = modules_after(["ingest", "--help"])
    assert not {m for m in ingest if m.startswith("qualcode.cli.") and m.endswith(("_cmd", "_cmds"))} - {
        "qualcode.cli.ingest_cmd"}


def test_listing_summaries_match_each_commands_help() -> None:
    # COMMANDS repeats each summary so that `--help` need not import the command: keep them equal.
    root = typer.main.get_command(app)
    for name, (_, summary) in COMMANDS.items():
        own = root.commands[name].help or ""  # type: ignore[attr-defined]
        assert summary == " ".join(own.split("\n\n")[0].split()), f"COMMANDS[{name!r}]: copy the first paragraph"


def test_listing_is_the_same_as_clicks() -> None:
    # Click's own "Commands:" section once every command is loaded: the lazy listing must not differ.
    root = typer.main.get_command(app)
    ctx = root.make_context("qualcode", ["--db", "x"])
    lazy, loaded = HelpFormatter(width=80), HelpFormatter(width=80)
    root.format_commands(ctx, lazy)  # type: ignore[attr-defined]
    for name in COMMANDS:
        root.commands[name]  # type: ignore[attr-defined]  # loads it
    TyperGroup.format_commands(root, ctx, loaded)  # type: ignore[arg-type]
    assert "  export  " in lazy.getvalue()
    assert lazy.getvalue() == loaded.getvalue()


def test_unknown_command_suggests_a_lazy_one(run: Run) -> None:
    assert "Did you mean 'report'" in run("repot", code=2).stderr


def test_a_command_registered_on_app_is_kept_beside_the_lazy_ones(run: Run) -> None:
    holder = typer.Typer()

    @holder.command()
    def hello() -> None:
        """Say hello."""
        typer.echo("hello")

    group = QualcodeGroup(name="qualcode", commands={"hello": typer.main.get_command(holder)})
    assert list(group.commands)[:2] == ["hello", "init"]
    assert group.commands["hello"].name == "hello"


def test_help_names_values_in_words_not_python_types(run: Run) -> None:
    """Typer 0.2x shows `--code <list[str]>`, `--start <int range>`, `{segment_id}`: every
    option and argument reads as a word a researcher knows (CODE, N, FILE, SEGMENT_ID)."""
    code = run("code", "--help").stdout
    assert "SEGMENT_ID [CODE_ID]" in code and "{" not in code
    assert "--start N" in code and "--quote TEXT" in code and "--under CODE" in code
    quotes = run("report", "quotes", "--help").stdout
    assert "-c, --code CODE" in quotes and "-o, --output FILE" in quotes and "--per-code N" in quotes
    ingest = run("ingest", "--help").stdout
    assert "FILES..." in ingest and "--attr KEY=VALUE" in ingest
    assert "--db FILE" in run("--help").stdout
    for name, _ in commands():
        out = run(*name.split(), "--help").stdout
        assert not re.search(r"<(?:list\[\w+\]|str|int|float|path|Path|bool|datetime)(?: range)?>|\{[a-z_]+\}", out), f"`qualcode {name} --help`: {out}"
