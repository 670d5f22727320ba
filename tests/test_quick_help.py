"""`qualcode --help` without Typer (cli/quick_help.py) prints exactly what Typer prints."""

from __future__ import annotations

import io
import os
import sys
import tomllib
import types
from typing import Any

import pytest
import typer.main
from typer._click.formatting import HelpFormatter
from typer._click.utils import _detect_program_name
from typer.testing import CliRunner

from qualcode.cli import help_pages, quick_help
from qualcode.cli.main import app
from tests.conftest import REPO

PAGES: dict[str, Any] = help_pages.PAGES
# Click's help width is the terminal's columns minus 2, within 50..78: every width there is.
WIDTHS = range(50, 79)


def typer_help(argv: list[str], width: int = 78, prog: str = "qualcode") -> str:
    result = CliRunner().invoke(app, argv, terminal_width=width, prog_name=prog)
    assert result.exit_code == 0, result.output
    return result.stdout


def quick(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
          columns: int = 80) -> str | None:
    """What the entry point prints for ``argv`` without Typer (None: it leaves it to Typer)."""
    monkeypatch.setattr(quick_help, "program_name", lambda: "qualcode")  # (pytest's __main__ is not ours)
    monkeypatch.setenv("COLUMNS", str(columns))
    capsys.readouterr()
    answered = quick_help.answer(argv)
    out = capsys.readouterr().out
    assert answered or not out
    return out if answered else None


def test_the_console_script_and_python_m_start_at_the_entry_point() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"]["qualcode"] == "qualcode.cli.entry:main"
    assert "from qualcode.cli.entry import main" in (REPO / "src/qualcode/__main__.py").read_text(encoding="utf-8")


def test_stored_pages_are_the_apps() -> None:
    assert quick_help.record_pages(app) == PAGES, (
        "a help text changed: run `python -m qualcode.cli.quick_help` to record the pages again")
    assert {"", "ingest", "codebook", "codebook add", "report themes", "export csv"} <= set(PAGES)


def test_every_page_is_what_typer_prints(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for key in PAGES:
        argv = [*key.split(), "--help"]
        assert quick(argv, capsys, monkeypatch) == typer_help(argv), f"qualcode {key} --help"


def test_every_page_wraps_as_click_does_at_every_width() -> None:
    root = typer.main.get_command(app)
    for key, page in PAGES.items():
        # The contexts Click makes for `qualcode KEY --help`, without running the help option.
        ctx = root.make_context("qualcode", [], resilient_parsing=True)
        command: Any = root
        for name in key.split():
            command = command.commands[name]
            ctx = command.make_context(name, [], parent=ctx, resilient_parsing=True)
        for width in WIDTHS:
            formatter = HelpFormatter(width=width)  # what ctx.get_help() makes at that width
            command.format_help(ctx, formatter)
            expected = formatter.getvalue().rstrip("\n")
            assert quick_help.render(page["ops"], "qualcode", width) == expected, f"{key} at {width}"


def test_narrow_terminals_and_python_m(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert quick(["report", "themes", "-h"], capsys, monkeypatch, columns=40) == typer_help(
        ["report", "themes", "-h"], width=50)
    assert quick_help.render(PAGES["codebook"]["ops"], "python -m qualcode", 60) + "\n" == typer_help(
        ["codebook", "--help"], width=60, prog="python -m qualcode")


@pytest.mark.parametrize("argv", [
    ["-h"], ["--db", "x.db", "--help"], ["--db=x.db", "-q", "codebook", "add", "-h"],
    ["--coder", "maria", "--quiet", "report", "themes", "--help"], ["sources", "--format", "json", "--help"],
    ["report", "-h"],
])
def test_options_before_help_as_typer_reads_them(argv: list[str], capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert quick(argv, capsys, monkeypatch) == typer_help(argv)


@pytest.mark.parametrize("argv", [
    [], ["init"], ["--version"], ["--version", "--help"], ["--help", "init"], ["--bogus", "--help"],
    ["codebook", "nosuch", "--help"], ["code", "5", "--help"], ["init", "--help", "x"], ["--db"],
    ["--db", "--help"], ["-qh"], ["--", "--help"], ["-q=1", "--help"], ["report", "themes", "--format"],
])
def test_anything_else_is_left_to_typer(argv: list[str], capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert quick(argv, capsys, monkeypatch) is None


def test_shell_completion_is_left_to_typer(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_QUALCODE_COMPLETE", "complete_bash")
    assert quick(["--help"], capsys, monkeypatch) is None


def test_a_stream_that_cannot_take_the_page_is_left_to_click(monkeypatch: pytest.MonkeyPatch) -> None:
    page = {**PAGES[""], "ops": (("usage", "", "[OPTIONS] …", None),)}
    monkeypatch.setattr(help_pages, "PAGES", {**PAGES, "": page})
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    monkeypatch.setattr(quick_help, "program_name", lambda: "qualcode")
    assert not quick_help.answer(["--help"])
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    assert quick_help.answer(["--help"])


@pytest.mark.parametrize(("argv0", "package"), [
    ("/venv/bin/qualcode", None), ("/venv/bin/qualcode", ""), ("/src/qualcode/__main__.py", "qualcode"),
    ("/src/qualcode/cli/entry.py", "qualcode.cli"),
])
def test_program_name_is_clicks(argv0: str, package: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    main = types.ModuleType("__main__")
    main.__package__ = package
    monkeypatch.setitem(sys.modules, "__main__", main)
    monkeypatch.setattr(sys, "argv", [argv0, "--help"])
    assert quick_help.program_name() == _detect_program_name()


@pytest.mark.parametrize(("columns", "terminal"), [
    (None, 120), (None, 80), (None, 60), (None, 30), (None, 0), (None, OSError), ("100", 60), ("65", 120),
    ("0", 70), ("-5", 70), ("wide", 70), ("wide", OSError),
])
def test_width_follows_the_terminal_as_click_does(columns: str | None, terminal: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.delenv("LINES", raising=False)

    def get_terminal_size(fd: int = 1) -> os.terminal_size:
        if terminal is OSError:
            raise OSError("not a terminal")
        return os.terminal_size((terminal, 24))

    monkeypatch.setattr(os, "get_terminal_size", get_terminal_size)
    assert quick_help.help_width() == HelpFormatter().width
