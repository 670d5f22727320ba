"""Memos on the project, a source, a code or a coding; the library function reports use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Run, db_snapshot
from tests.test_review import CODEBOOK, SUGGESTIONS, VTT, add_suggestions, pending  # noqa: F401  (pending is a fixture)


def test_add_on_every_kind_of_target_and_list(run: Run, pending: Path) -> None:
    assert run("--coder", "maria", "memo", "add", "First impressions: fatigue everywhere.").stderr == (
        "Memo 1 added to the project\n")
    assert run("--coder", "maria", "memo", "add", "Recorded after a night shift.", "--source", "night.vtt").stderr == (
        "Memo 2 added to the source night.vtt\n")
    assert run("--coder", "lee", "memo", "add", "Overlaps with support?", "--code", "humour").stderr == (
        "Memo 3 added to the code humour\n")
    run("--coder", "lee", "memo", "add", "-", "--coding", "1", input="Strong case.\nSecond line.\n")
    data = json.loads(run("memo", "list", "--format", "json").stdout)
    assert [(m["id"], m["target_type"], m["target_id"], m["target"], m["author"]) for m in data] == [
        (1, "project", None, "project", "maria"), (2, "source", "1", "night.vtt", "maria"),
        (3, "code", "humour", "humour", "lee"), (4, "coding", "1", "coding 1 (exhaustion in night.vtt)", "lee")]
    assert data[3]["text"] == "Strong case.\nSecond line."
    assert [m["id"] for m in json.loads(run("memo", "list", "--code", "humour", "--format", "json").stdout)] == [3]
    assert [m["id"] for m in json.loads(run("memo", "list", "--project", "--format", "json").stdout)] == [1]
    assert [m["id"] for m in json.loads(run("memo", "list", "--author", "lee", "--format", "json").stdout)] == [3, 4]
    table = run("memo", "list").stdout
    assert "coding 1 (exhaustion in night.vtt)" in table and "Strong case." in table


def test_show_prints_the_whole_memo(run: Run, pending: Path) -> None:
    run("--coder", "maria", "memo", "add", "Line one\nLine two", "--code", "support")
    out = run("memo", "show", "1").stdout
    assert out.startswith("Memo 1 on support\nby maria at ")
    assert out.endswith("\n\nLine one\nLine two\n")


@pytest.mark.parametrize(("args", "message"), [
    (["memo", "add", "x", "--code", "nope"], "Error: unknown code id 'nope'; run `qualcode codebook show` to list ids\n"),
    (["memo", "add", "x", "--source", "a.txt"], "Error: unknown source 'a.txt'; run `qualcode sources` to list source "
                                                "names\n"),
    (["memo", "add", "x", "--coding", "99"], "Error: no coding with id 99; run `qualcode codings` to list coding ids\n"),
    (["memo", "add", "x", "--code", "humour", "--coding", "1"], "Error: a memo is about one thing: give only one of "
                                                               "--source, --code, --coding\n"),
    (["memo", "add", "   "], "Error: the memo is empty; write some text\n"),
    (["memo", "show", "7"], "Error: no memo with id 7; run `qualcode memo list` to see memo ids\n"),
])
def test_bad_memos_are_refused_and_change_nothing(run: Run, pending: Path, args: list[str], message: str) -> None:
    before = db_snapshot(pending)
    assert run(*args, code=1).stderr == message
    assert db_snapshot(pending) == before


def test_list_memos_is_a_library_function_returning_dataclasses(run: Run, pending: Path) -> None:
    from qualcode.coding.memos import Memo, list_memos
    from qualcode.project import open_project

    run("--coder", "maria", "memo", "add", "About humour", "--code", "humour")
    run("--coder", "maria", "memo", "add", "About the project")
    db = open_project(pending)
    memos = list_memos(db, "code", "humour")
    assert len(memos) == 1 and isinstance(memos[0], Memo)
    assert (memos[0].target_type, memos[0].target_id, memos[0].author, memos[0].text) == (
        "code", "humour", "maria", "About humour")
    assert [m.text for m in list_memos(db)] == ["About humour", "About the project"]
    assert list_memos(db, "source") == []


def test_brackets_in_memos_are_text_not_markup(run: Run, pending: Path) -> None:
    run("memo", "add", "R2 [laughs] at it [/x]")
    assert "R2 [laughs] at it [/x]" in run("memo", "list").stdout
