"""Codes born while coding (`code --new`, review's `c` with a new name) and the codebook
edit commands (`codebook add|move|rename|describe`): versioned, undoable, exported back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qualcode.codebook.loader import parse_codebook
from tests.conftest import Run, db_snapshot, query
from tests.test_review import pending  # noqa: F401  (fixture: a VTT, a codebook, four suggestions)


def codes(db: Path) -> dict[str, tuple[str, str | None, str]]:
    return {r[0]: (r[1], r[2], r[3]) for r in query(db, "SELECT id, name, parent_id, status FROM codes")}


def segment(db: Path, ordinal: int) -> int:
    return int(query(db, "SELECT id FROM segments WHERE ordinal = ?", [ordinal])[0][0])


def test_code_new_creates_the_code_a_version_and_the_coding_and_undo_takes_back_all(
        run: Run, pending: Path) -> None:  # noqa: F811
    before = db_snapshot(pending)
    seg = segment(pending, 3)
    result = run("--coder", "maria", "code", seg, "--new", "Leaning on  peers", "--under", "support",
                 "--description", "Turning to colleagues after a bad night.")
    assert "Added code leaning-on-peers (Leaning on peers) under support to the codebook as version 2" in result.stderr
    assert f"Coded segment {seg} as leaning-on-peers (maria)" in result.stderr
    assert codes(pending)["leaning-on-peers"] == ("Leaning on peers", "support", "active")
    assert query(pending, "SELECT code_id, coder, status, segment_id FROM codings WHERE origin = 'manual'") == [
        ("leaning-on-peers", "maria", "accepted", seg)]
    assert query(pending, "SELECT id, path FROM codebook_versions WHERE id > 1") == [(2, "(edited: codebook add)")]
    yaml_text = query(pending, "SELECT yaml FROM codebook_versions WHERE id = 2")[0][0]
    book, problems = parse_codebook(yaml_text)
    assert not problems and book is not None
    assert book.by_id()["leaning-on-peers"].description == "Turning to colleagues after a bad night."

    result = run("--coder", "maria", "undo")
    assert "Undid maria's last decision (codebook add + code, 1 coding)" in result.stderr
    assert db_snapshot(pending) == before


def test_code_new_refuses_clearly_and_changes_nothing(run: Run, pending: Path) -> None:  # noqa: F811
    before = db_snapshot(pending)
    seg = segment(pending, 3)
    result = run("code", seg, "--new", "Exhaustion", code=1)
    assert "Error: the codebook already has a code named 'Exhaustion' (exhaustion); use that id" in result.stderr
    result = run("code", seg, "--new", "Numbing", "--under", "nope", code=1)
    assert "unknown parent code id 'nope'" in result.stderr
    result = run("code", seg, "--new", "Numbing", "--quote", "not in this turn", code=1)
    assert "the quote is not in segment" in result.stderr
    assert "one of them" in run("code", seg, code=2).stderr
    assert "one of them" in run("code", seg, "support", "--new", "Numbing", code=2).stderr
    assert db_snapshot(pending) == before


def test_code_new_starts_a_codebook_in_a_project_without_one(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    from tests.test_review import VTT

    run("ingest", write_file("night.vtt", VTT))
    run("--coder", "maria", "code", segment(project, 2), "--new", "Exhausted after nights")
    assert codes(project) == {"exhausted-after-nights": ("Exhausted after nights", None, "active")}
    assert "exhausted-after-nights" in run("codebook", "export").stdout


def test_review_c_with_a_new_name_creates_the_code_after_confirmation_and_u_undoes_it(
        run: Run, pending: Path) -> None:  # noqa: F811
    before = db_snapshot(pending)
    out = run("--coder", "maria", "review", input="c\nNumbing\ny\nu\nq\n").stdout
    assert "'Numbing' is not in the codebook. Add it as a new code? [y/N] y" in out
    assert "Added code numbing (Numbing) to the codebook and coded segment" in out
    assert "Undone." in out
    assert "New codes" not in out  # undone: the summary does not list it
    assert db_snapshot(pending) == before

    out = run("--coder", "maria", "review", input="c\nNumbing\nyes\na\nq\n").stdout
    assert "already coded: numbing (maria)" in out  # the screen after it shows the new coding
    assert "This session: 1 accepted, 0 rejected, 1 coded by hand (1 new code)" in out
    assert "New codes: numbing (group them into themes with `qualcode codebook move CODE --under THEME`)" in out
    assert codes(pending)["numbing"] == ("Numbing", None, "active")
    assert query(pending, "SELECT count(*) FROM codings WHERE code_id = 'numbing' AND status = 'accepted'") == [(1,)]


def test_edit_commands_store_versions_show_the_diff_keep_codings_and_ids(run: Run, pending: Path) -> None:  # noqa: F811
    run("--coder", "maria", "code", segment(pending, 2), "exhaustion")
    codings_before = query(pending, "SELECT id, code_id, status FROM codings ORDER BY id")

    result = run("--coder", "maria", "codebook", "add", "Cost of the work", "--description", "What nights take.")
    assert "+ added    cost-of-the-work" in result.stderr
    assert "Added cost-of-the-work (Cost of the work) (codebook version 2;" in result.stderr
    result = run("--coder", "maria", "codebook", "move", "exhaustion", "--under", "cost-of-the-work")
    assert "~ changed  exhaustion" in result.stderr and "Moved exhaustion under cost-of-the-work" in result.stderr
    result = run("--coder", "maria", "codebook", "rename", "exhaustion", "Worn out")
    assert "name: 'Exhaustion' → 'Worn out'" in result.stderr
    run("--coder", "maria", "codebook", "describe", "exhaustion", "Tiredness beyond sleep.",
        "--include", "Says they are spent", "--exclude", "Boredom")
    result = run("--coder", "maria", "codebook", "rename", "exhaustion", "Worn out")
    assert "Nothing to change" in result.stderr

    assert codes(pending)["exhaustion"] == ("Worn out", "cost-of-the-work", "active")
    assert query(pending, "SELECT description, include_criteria, exclude_criteria FROM codes WHERE id = 'exhaustion'"
                 ) == [("Tiredness beyond sleep.", "Says they are spent", "Boredom")]
    assert query(pending, "SELECT id, code_id, status FROM codings ORDER BY id") == codings_before
    assert [r[0] for r in query(pending, "SELECT path FROM codebook_versions ORDER BY id")][1:] == [
        "(edited: codebook add)", "(edited: codebook move)", "(edited: codebook rename)",
        "(edited: codebook describe)"]
    history = run("codebook", "history").stdout
    assert "1 added" in history and "1 changed" in history


def test_move_refuses_a_cycle_and_top_brings_a_code_back(run: Run, pending: Path) -> None:  # noqa: F811
    run("codebook", "move", "humour", "--under", "support")
    result = run("codebook", "move", "support", "--under", "humour", code=1)
    assert "cannot move 'support' under 'humour': 'humour' is one of its own sub-codes" in result.stderr
    assert "one of them" in run("codebook", "move", "support", code=2).stderr
    assert "parent: 'support' → (none)" in run("codebook", "move", "humour", "--top").stderr
    assert codes(pending)["humour"][1] is None
    assert "Undid" in run("undo").stderr and codes(pending)["humour"][1] == "support"
    result = run("undo")
    assert result.stderr.startswith("Undid ") and "(codebook move)" in result.stderr
    assert "unknown code id 'humor'; did you mean 'humour'?" in run("codebook", "rename", "humor", "X", code=1).stderr


def test_undo_of_an_edit_is_refused_when_the_codebook_changed_since(run: Run, pending: Path) -> None:  # noqa: F811
    run("--coder", "maria", "codebook", "add", "Numbing")
    run("--coder", "lee", "codebook", "rename", "numbing", "Feeling nothing")
    before = db_snapshot(pending)
    result = run("--coder", "maria", "undo", code=1)
    assert "the codebook changed after that edit (version 3 is newer than 2)" in result.stderr
    assert db_snapshot(pending) == before
    run("--coder", "lee", "undo")
    run("--coder", "maria", "undo")
    assert "numbing" not in codes(pending)


def test_undo_keeps_a_new_code_that_was_used_since(run: Run, pending: Path) -> None:  # noqa: F811
    run("--coder", "maria", "codebook", "add", "Numbing")
    run("--coder", "lee", "code", segment(pending, 3), "numbing")
    result = run("--coder", "maria", "undo", code=1)
    assert "code 'numbing' has been used since it was created (1 coding(s))" in result.stderr


def test_export_writes_the_edited_codebook_back_and_it_round_trips(run: Run, pending: Path,
                                                                   tmp_path: Path) -> None:  # noqa: F811
    from qualcode.codebook.edit import project_codebook
    from qualcode.project import open_project

    run("code", segment(pending, 3), "--new", "Leaning on peers", "--under", "support")
    run("codebook", "add", "Night work", "--description", "Line one.\nLine two: with a colon.")
    run("codebook", "move", "exhaustion", "--under", "night-work")
    run("codebook", "rename", "humour", "Humour [dark]")
    run("codebook", "export", "--output", "edited.yaml")
    exported = (tmp_path / "edited.yaml").read_text(encoding="utf-8")
    book, problems = parse_codebook(exported)
    assert not problems and book is not None
    current = project_codebook(open_project(pending))
    assert [(c.id, c.fingerprint()) for c in book.codes] == [(c.id, c.fingerprint()) for c in current.codes]
    # The version the edits stored is the exported file: loading it back changes nothing.
    assert "unchanged since the last load" in run("codebook", "load", "edited.yaml").stderr
    assert exported == query(pending, "SELECT yaml FROM codebook_versions ORDER BY id DESC LIMIT 1")[0][0]


@pytest.mark.parametrize("name, expected", [("Numbing", "numbing"), ("Feeling numb / detached", "feeling-numb-detached"),
                                            ("Ängste", "angste"), ("情绪", "code")])
def test_ids_are_made_from_names(name: str, expected: str, run: Run, pending: Path) -> None:  # noqa: F811
    run("codebook", "add", name)
    assert expected in codes(pending)


def test_an_id_is_never_reused(run: Run, pending: Path, write_file) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    run("codebook", "add", "Numbing")
    result = run("codebook", "add", "Numb", "--id", "numbing", code=1)
    assert "the id 'numbing' is already used by an active code; choose another --id" in result.stderr
    conn = sqlite3.connect(pending)
    with conn:
        conn.execute("UPDATE codes SET status = 'removed' WHERE id = 'numbing'")
    conn.close()
    run("codebook", "add", "Numbing")
    assert codes(pending)["numbing-2"][0] == "Numbing"


TRICKY = ["yes", "null", "123", "- dash first", "key: value", "#hash", "quote's \"double\"", "[bold]markup[/]",
          "Ängste und Sorgen", "情绪", "tab\tinside", "trailing:"]


def test_tricky_names_round_trip_through_the_yaml(run: Run, pending: Path, tmp_path: Path) -> None:  # noqa: F811
    from qualcode.codebook.edit import project_codebook
    from qualcode.project import open_project

    for i, name in enumerate(TRICKY):
        run("codebook", "add", "--id", f"t{i}", "--description", f"{name}\n{name}: more", "--", name)
    run("codebook", "export", "--output", "tricky.yaml")
    book, problems = parse_codebook((tmp_path / "tricky.yaml").read_text(encoding="utf-8"))
    assert not problems and book is not None
    names = {c.id: c.name for c in book.codes}
    assert [names[f"t{i}"] for i in range(len(TRICKY))] == [" ".join(n.split()) for n in TRICKY]
    current = project_codebook(open_project(pending))
    assert [c.fingerprint() for c in book.codes] == [c.fingerprint() for c in current.codes]


def test_a_control_character_in_a_name_is_refused(run: Run, pending: Path) -> None:  # noqa: F811
    result = run("codebook", "add", "bad\x1b[31mred", code=1)
    assert "a code name cannot hold control characters" in result.stderr
