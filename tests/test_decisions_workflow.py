"""Manual coding of any span, uncode (recorded, not erased), undo, and listing codings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

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
    assert json.loads(str(events[0][2])) == {"before": {"status": "suggested", "coder": None, "decided_at": None},
                                             "bulk": True}


def _pending(db: Path) -> set[tuple[Any, ...]]:
    return set(rows(db, "SELECT segment_id, code_id, method, score, evidence FROM codings WHERE status = 'suggested'"))


def test_a_bulk_accept_teaches_nothing_about_codes_nobody_looked_at(run: Run, em_project: Path) -> None:
    """accept --min-score hands the tool's own best scores back: suggest must not learn from
    it that every other code on those turns is wrong (it withdrew 131 of the other 155
    suggestions on the EM study), nor report unchanged suggestions as updated."""
    run("suggest")
    before = _pending(em_project)
    assert "Accepted 24 suggestions as demo" in run("--coder", "demo", "accept", "--min-score", "0.4").stderr
    left = _pending(em_project)
    assert len(left) == len(before) - 24
    assert "0 new, 0 updated, 0 withdrawn" in run("suggest").stderr
    assert _pending(em_project) == left


def test_bulk_decisions_count_on_a_turn_someone_read(run: Run, em_project: Path) -> None:
    """A turn someone decided on by hand was read: the bulk decisions on it are learned from
    too, and a turn read is a negative for the codes not accepted there; bulk decisions on
    turns nobody read are not learned from."""
    from qualcode.coding.suggestions import _labels
    from qualcode.project import open_project

    run("suggest")
    run("--coder", "demo", "accept", "--min-score", "0.4")
    bulk = rows(em_project, "SELECT segment_id, code_id FROM codings WHERE status = 'accepted' ORDER BY id")
    read, bulk_code = bulk[0]
    other = next(c for (c,) in rows(em_project, "SELECT id FROM codes WHERE status = 'active'")
                 if (read, c) not in set(bulk))
    (unread,) = rows(em_project, "SELECT min(s.id) FROM segments s JOIN speakers sp ON sp.id = s.speaker_id "
                                 "WHERE s.kind = 'speech' AND sp.role = 'participant' AND s.id NOT IN "
                                 "(SELECT segment_id FROM codings WHERE status = 'accepted')")[0]
    run("--coder", "maria", "code", read, other)
    run("--coder", "maria", "code", unread, other)
    db = open_project(em_project)
    segments = [seg for (seg,) in db.execute("SELECT id FROM segments WHERE kind = 'speech' ORDER BY id")]
    labels = _labels(db, {seg: i for i, seg in enumerate(segments)})
    positive = {(segments[i], code) for code, lab in labels.items() for i in lab.positive}
    assert positive == {(read, other), (unread, other)} | {(seg, code) for seg, code in bulk if seg == read}
    assert len(bulk) > len({code for seg, code in bulk if seg == read})  # some bulk decisions were left out
    assert [segments[i] for i in labels[bulk_code].negative] == [unread]


def test_reviews_learning_note_counts_what_suggest_learns_from(run: Run, em_project: Path) -> None:
    """Review's "learning from N accepted" counts a bulk decision only on a turn someone read,
    as suggest does: it said "27 accepted" of decisions suggest does not learn from."""
    from qualcode.coding.review import learned_status
    from qualcode.project import open_project

    run("suggest")
    run("--coder", "demo", "accept", "--min-score", "0.4")
    bulk = rows(em_project, "SELECT segment_id, code_id FROM codings WHERE status = 'accepted' ORDER BY id")
    code = max({c for _s, c in bulk}, key=lambda c: sum(x == c for _s, x in bulk))
    status = {x.code_id: x for x in learned_status(open_project(em_project))}
    assert status[code].accepted == 0 and sum(x.accepted for x in status.values()) == 0
    seg = next(s for s, c in bulk if c == code)
    other = next(c for (c,) in rows(em_project, "SELECT id FROM codes WHERE status = 'active'") if c != code)
    run("--coder", "maria", "code", seg, other)  # maria read the turn: its bulk decision counts now
    status = {x.code_id: x for x in learned_status(open_project(em_project))}
    assert status[code].accepted == 1 and status[other].accepted == 1
    assert sum(x.accepted for x in status.values()) == 1 + sum(1 for s, _c in bulk if s == seg)
