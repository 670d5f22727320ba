"""Manual coding of any span, uncode (recorded, not erased), undo, and listing codings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run, db_snapshot
from tests.test_review import CODEBOOK, SUGGESTIONS, VTT, add_suggestions, pending  # noqa: F401  (pending is a fixture)
from tests.conftest import query as rows


def coded_text(db: Path, coding_id: int) -> str:
    ((text,),) = rows(db, "SELECT substr(src.text, c.start + 1, c.end - c.start) FROM codings c "
                          "JOIN sources src ON src.id = c.source_id WHERE c.id = ?", [coding_id])
    return str(text)


def test_code_a_span_by_offsets_or_by_quote(run: Run, pending: Path) -> None:
    out = run("--coder", "maria", "code", "2", "humour", "--start", "0", "--end", "8").stderr
    assert out == "Coded a span of segment 2 as humour (maria): coding 5\n"
    assert coded_text(pending, 5) == "Honestly"
    out = run("--coder", "maria", "code", "2", "exhaustion", "--quote", "burning out").stderr
    assert out.startswith("Coded a span of segment 2 as exhaustion (maria): coding 6")
    assert coded_text(pending, 6) == "burning out"
    # The pending whole-segment suggestion is untouched by a span coding.
    assert rows(pending, "SELECT status FROM codings WHERE id = 1") == [("suggested",)]
    again = run("--coder", "maria", "code", "2", "exhaustion", "--quote", "burning out").stderr
    assert again == "A span of segment 2 is already coded exhaustion by maria; nothing to do\n"


def test_code_a_whole_segment_accepts_its_suggestion_and_can_carry_a_memo(run: Run, pending: Path) -> None:
    out = run("--coder", "maria", "code", "2", "exhaustion", "--memo", "clear case").stderr
    assert out == "Accepted the suggestion of exhaustion for segment 2 (maria) (memo added)\n"
    assert rows(pending, "SELECT status, coder FROM codings WHERE id = 1") == [("accepted", "maria")]
    assert rows(pending, "SELECT target_type, target_id, text FROM memos") == [("coding", "1", "clear case")]


@pytest.mark.parametrize(("args", "message"), [
    (["--quote", "never said"], "Error: the quote is not in segment 2; copy the exact words from `qualcode segments` "
                                "(the quote is not repeated here: transcripts are confidential)\n"),
    (["--start", "5", "--end", "500"], "Error: --start/--end must satisfy 0 <= start < end <= 73 (the length of "
                                       "segment 2's text)\n"),
    (["--quote", "out", "--start", "1"], "Error: give either --quote or --start/--end, not both\n"),
])
def test_bad_spans_are_refused_and_change_nothing(run: Run, pending: Path, args: list[str], message: str) -> None:
    before = db_snapshot(pending)
    assert run("code", "2", "humour", *args, code=1).stderr == message
    assert db_snapshot(pending) == before


def test_uncode_records_the_removal_and_keeps_the_row(run: Run, pending: Path) -> None:
    run("--coder", "maria", "code", "3", "humour")
    out = run("--coder", "lee", "uncode", "--coding", "5").stderr
    assert out == "Removed coding 5 (lee)\n"
    assert rows(pending, "SELECT code_id, status, coder FROM codings WHERE id = 5") == [("humour", "removed", "maria")]
    assert rows(pending, "SELECT actor, action, from_status, to_status FROM events WHERE coding_id = 5 ORDER BY id") == [
        ("maria", "code", None, "accepted"), ("lee", "uncode", "accepted", "removed")]
    # Reports no longer count it; `codings --status removed` still lists it.
    assert "humour" not in run("codings").stdout
    assert "removed" in run("codings", "--status", "removed").stdout


def test_uncode_by_segment_and_code_and_its_errors(run: Run, pending: Path) -> None:
    run("--coder", "maria", "code", "3", "humour")
    before = db_snapshot(pending)
    err = run("--coder", "lee", "uncode", "3", "humour", code=1).stderr
    assert err == ("Error: segment 3 has no accepted coding of humour by lee; run `qualcode codings --segment ID` "
                   "to see who coded it\n")
    err = run("uncode", "--coding", "1", code=1).stderr
    assert err.startswith("Error: coding 1 is suggested, not accepted;")
    assert db_snapshot(pending) == before
    assert run("--coder", "maria", "uncode", "3", "humour").stderr == "Removed coding 5 (maria)\n"


@pytest.mark.parametrize("decision", [
    ["accept", "--code", "exhaustion"],
    ["reject", "--min-score", "0.5"],
    ["code", "4", "humour"],
    ["code", "2", "exhaustion"],
    ["code", "5", "humour", "--quote", "coffee machine"],
])
def test_undo_restores_exactly_the_state_before_a_decision(run: Run, pending: Path, decision: list[str]) -> None:
    run("--coder", "maria", "code", "3", "humour")  # an earlier decision that must survive
    before = db_snapshot(pending)
    run("--coder", "maria", *decision)
    assert db_snapshot(pending) != before
    out = run("--coder", "maria", "undo").stderr
    assert out.startswith("Undid maria's last decision (")
    assert db_snapshot(pending) == before


def test_undo_of_uncode_and_only_ones_own_decisions(run: Run, pending: Path) -> None:
    run("--coder", "maria", "code", "3", "humour")
    before = db_snapshot(pending)
    run("--coder", "maria", "uncode", "3", "humour")
    err = run("--coder", "lee", "undo", code=1).stderr
    assert err == "Error: lee has no decision to undo; `qualcode log --by lee` shows the history\n"
    run("log", "--by", "lee")  # the command the message suggests works as written
    run("--coder", "maria", "undo")
    assert db_snapshot(pending) == before


def test_bulk_decisions_record_the_previous_state_for_undo(run: Run, pending: Path) -> None:
    run("--coder", "maria", "accept")
    events = rows(pending, "SELECT from_status, to_status, detail, batch FROM events WHERE action = 'accept'")
    assert len(events) == 4 and len({e[3] for e in events}) == 1
    assert json.loads(str(events[0][2])) == {"before": {"status": "suggested", "coder": None, "decided_at": None}}


def test_codings_lists_ids_filters_and_json(run: Run, pending: Path) -> None:
    run("--coder", "maria", "accept", "--code", "support")
    data = json.loads(run("codings", "--format", "json").stdout)
    assert [(d["id"], d["code_id"], d["coder"], d["status"]) for d in data] == [
        (2, "support", "maria", "accepted"), (4, "support", "maria", "accepted")]
    data = json.loads(run("codings", "--status", "suggested", "--segment", "5", "--format", "json").stdout)
    assert [d["id"] for d in data] == [3]
    assert run("codings", "--status", "maybe", code=1).stderr == (
        "Error: unknown status 'maybe'; choose from accepted, suggested, rejected, removed\n")
