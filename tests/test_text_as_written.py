"""Issue 14.1: transcript and user text reach the terminal exactly as written.

Rich reads ``[...]`` as markup: ``[laughter]`` vanished from tables, ``[/laughs]`` and CHAT's
``[/]`` crashed ``segments`` and ``report quotes`` with a MarkupError, ``--help`` lost every
``[default: …]``, and control characters (an ESC sequence) reached the terminal raw. One
transcript, codebook, participants file and memo carrying all of these go through every
command that prints them, at 80 and 200 columns; each output is compared byte for byte with a
golden file (rewrite with QUALCODE_UPDATE_GOLDEN=1, then read the diff).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.conftest import Run

GOLDEN = Path(__file__).parent / "golden" / "as_written"
NOTES = ("[laughter]", "[/laughs]", "[/]", "[bold]x[/bold]")
ESC = "\x1b[31m"

TRANSCRIPT = """\
P1: I was exhausted [laughter] and my peer said [/laughs] it gets better.
P2: We [/] we laugh about it, [bold]x[/bold] honestly, every shift.
P1: Short one.
"""
# YAML's "\\e" is ESC: a code name with an escape sequence, as a bad copy-paste leaves it.
CODEBOOK = """\
codes:
  - id: exhaustion
    name: "Exhaustion [laughter] \\e[31m"
    keywords: [exhausted]
  - id: humour
    name: "Humour [/laughs] [/]"
    keywords: [laugh]
"""
PARTICIPANTS = """\
source,speaker,participant,site
fg [laughter].txt,P1,P[/]1,[bold]north[/bold]
fg [laughter].txt,P2,P2\x1b[0m,south
"""


@pytest.fixture
def noisy(run: Run, project: Path, tmp_path: Path) -> Path:
    (tmp_path / "fg [laughter].txt").write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "people.csv").write_text(PARTICIPANTS, encoding="utf-8")
    run("ingest", tmp_path / "fg [laughter].txt")
    run("participants", "import", tmp_path / "people.csv")
    run("codebook", "load", tmp_path / "cb.yaml")
    run("suggest")
    run("--coder", "ann", "accept", "--code", "exhaustion")
    run("--coder", "ann", "memo", "add", "--code", "humour", f"[/] {ESC}red[/bold] memo")
    return project


CASES: dict[str, tuple[str, ...]] = {
    "segments": ("segments",),
    "sources": ("sources",),
    "speakers": ("speakers",),
    "participants": ("participants", "list"),
    "codings": ("codings", "--status", "accepted", "--status", "suggested"),
    "codebook_show": ("codebook", "show"),
    "quotes": ("report", "quotes", "--include-suggested"),
    "themes": ("report", "themes", "--include-suggested"),
    "matrix": ("report", "matrix", "--by", "site", "--include-suggested"),
    "memos": ("memo", "list"),
    "memo_show": ("memo", "show", "1"),
    "log": ("log", "--by", "ann"),
    "review": ("--coder", "bo", "review"),
}


def _blank(text: str) -> str:
    """Dates and times out (the log and memos show when)."""
    import re

    text = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(\+00:00)?", "<when>", text)
    return re.sub(r"\b[01]\.\d\d\b", "<sc>", text)  # scores: the suggestion layers' business


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize("name", sorted(CASES))
def test_text_reaches_the_terminal_as_written(run: Run, noisy: Path, monkeypatch: pytest.MonkeyPatch,
                                              name: str, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = run(*CASES[name], input="n\nq\n" if name == "review" else None)
    out = result.stdout
    assert "\x1b" not in out and "\x1b" not in result.stderr, "a control character reached the terminal raw"
    assert all(len(line) <= width for line in out.splitlines()), "a line is wider than the terminal"
    text = _blank(out)
    path = GOLDEN / f"{name}_{width}.txt"
    if os.environ.get("QUALCODE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from the golden file"


def test_every_note_survives_in_segments_and_quotes(run: Run, noisy: Path) -> None:
    """What crashed (MarkupError) or vanished before, checked without golden files."""
    segments = run("segments").stdout
    quotes = run("report", "quotes", "--include-suggested").stdout
    for note in NOTES:
        assert note in segments and note in quotes
    assert "fg [laughter].txt" in segments
    memos = run("memo", "list").stdout
    assert "\\x1b[31mred[/bold]" in memos  # the ESC shown escaped, the rest as written


def test_status_lines_and_errors_are_shown_as_written(run: Run, project: Path, tmp_path: Path) -> None:
    name = tmp_path / "[bold]gone[/bold] \x1b[2J.txt"
    result = run("ingest", name, code=1)
    assert "[bold]gone[/bold] \\x1b[2J.txt" in result.stderr and "\x1b" not in result.stderr
    (tmp_path / "t [bold]x[laughs].txt").write_text("P1: hello there\nP2: hi to you\n", encoding="utf-8")
    said = run("ingest", tmp_path / "t [bold]x[laughs].txt").stderr
    assert "t [bold]x[laughs].txt" in said


def test_help_keeps_its_defaults(run: Run) -> None:
    out = run("--help").stdout
    assert "[default: ./qualcode.db]" in out and "[default: your OS user name]" in out
    assert "[default: from --output's suffix, else table]" in " ".join(run("report", "themes", "--help").stdout.split())


def test_no_help_text_is_lost_to_markup() -> None:
    """Every command's and option's help text reaches the screen whole (no markup mode)."""
    import click
    import typer

    from qualcode.cli.main import app

    root = typer.main.get_command(app)

    def walk(cmd: click.Command, path: list[str]) -> None:
        ctx = click.Context(cmd, info_name=" ".join(path) or "qualcode")
        page = " ".join(cmd.get_help(ctx).split())
        for param in cmd.params:
            help_text = getattr(param, "help", None)
            if help_text:
                assert " ".join(help_text.split()) in page, f"{path} {param.name}: help text altered"
        if isinstance(cmd, click.Group):
            for sub_name, sub in cmd.commands.items():
                walk(sub, path + [sub_name])

    walk(root, [])


def test_documents_show_control_characters_escaped(run: Run, noisy: Path, tmp_path: Path) -> None:
    """Word cannot hold an ESC: the DOCX used to fail with a ValueError traceback."""
    import docx

    run("report", "docx", "--output", "r.docx", "--include-suggested")
    document = docx.Document(str(tmp_path / "r.docx"))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for row in t.rows for c in row.cells])
    assert "Exhaustion [laughter] \\x1b[31m" in text and "[bold]x[/bold]" in text
    run("report", "themes", "--output", "t.xlsx", "--include-suggested")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_status_lines_wrap_between_words_on_a_terminal_and_stay_one_line_elsewhere(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """At 80 columns a terminal cut '160 suggestions' into 'suggesti' and 'ons'."""
    from qualcode.render.terminal import stderr_console

    monkeypatch.setenv("COLUMNS", "40")
    line = "279 segments (7,298 words) in 1.1 s: 0 new, 0 updated, 0 withdrawn; 160 suggestions pending review"
    screen, log = _Terminal(), io.StringIO()
    stderr_console(screen).print(line)
    stderr_console(log).print(line)
    assert log.getvalue() == line + "\n"
    shown = screen.getvalue().splitlines()
    assert len(shown) > 1 and all(len(row) <= 40 for row in shown)
    assert " ".join(row.strip() for row in shown) == line  # only spaces became line breaks


@pytest.mark.parametrize("score, shown", [(0.3994, "0.39"), (0.4, "0.40"), (0.29, "0.29"), (0.57, "0.57"),
                                          (1.0, "1.00"), (0.0, "0.00"), (0.995, "0.99"), (None, "")])
def test_a_score_is_shown_rounded_down(score: float | None, shown: str) -> None:
    """A suggestion shown as 0.40 is one that --min-score 0.4 takes (0.3994 showed as 0.40)."""
    from qualcode.render.terminal import score_text

    assert score_text(score) == shown


@pytest.mark.parametrize("width", [80, 200])
def test_the_reconciliation_screen_shows_text_as_written(run: Run, project: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    """review --disagreements drew coders' names, words and memos as rich Text of their own,
    past the console's escaping, and wrapped the turns to column 0 at 80 columns."""
    monkeypatch.setenv("COLUMNS", str(width))
    long = "and then the night went on " * 6
    (tmp_path / "t.txt").write_text(f"P1: before one [laughter] {long}\nP2: so tired [/laughs] really.\n",
                                    encoding="utf-8")
    (tmp_path / "cb.yaml").write_text("codes:\n  - id: tired\n    name: Tired\n", encoding="utf-8")
    run("ingest", tmp_path / "t.txt")
    run("codebook", "load", tmp_path / "cb.yaml")
    run("--coder", f"ann{ESC}", "code", "2", "tired", "--quote", "tired [/laughs]", "--memo", f"ann's [/] {ESC} memo")
    run("--coder", "bo", "code", "1", "tired")
    out = run("review", "--disagreements", input="n\nq\n").stdout
    assert "\x1b" not in out, "a control character reached the terminal raw"
    assert all(len(line) <= width for line in out.splitlines()), "a line is wider than the terminal"
    assert "before one [laughter]" in out  # the first disagreement
    assert "“tired [/laughs]”" in out and "memo: ann's [/] \\x1b[31m memo" in out and "ann\\x1b[31m" in out
    if width == 80:  # the turn wraps under its speaker, not at column 0
        first = out.index("  P1: ")
        assert out[first:].splitlines()[1].startswith("      ")
