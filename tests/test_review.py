"""The interactive review, driven by scripted keys (one per line when stdin is not a terminal).

Suggestions are written straight into the project (not by `suggest`) so that what the
review shows and decides is known exactly."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from rich.console import Console

from tests.conftest import Run, db_snapshot

VTT = """\
WEBVTT

00:00:05.000 --> 00:00:08.000
<v Facilitator>How have the nights been?

00:00:09.000 --> 00:00:14.000
<v Ana>Honestly I was burning out. Completely exhausted after every night shift.

00:01:02.000 --> 00:01:06.000
<v Ben>For me talking to somebody helped. My peers, mostly.

00:01:30.000 --> 00:01:31.000
<v Facilitator>Anything else?

00:02:00.000 --> 00:02:05.000
<v Ben>The coffee machine is broken again. I was exhausted and my peer laughed.
"""
CODEBOOK = """\
codes:
  - id: exhaustion
    name: Exhaustion
    keywords: [exhausted]
  - id: support
    name: Peer support
    keywords: [peer]
  - id: humour
    name: Humour
    keywords: [laugh]
"""
# (segment ordinal, code, score, evidence word)
SUGGESTIONS = [(2, "exhaustion", 0.9, "exhausted"), (3, "support", 0.6, "peers"),
               (5, "exhaustion", 0.55, "exhausted"), (5, "support", 0.4, "peer")]


def add_suggestions(db: Path, items: list[tuple[int, str, float, str]]) -> None:
    conn = sqlite3.connect(db)
    with conn:
        for ordinal, code, score, word in items:
            seg_id, source_id, start, end, text = conn.execute(
                "SELECT s.id, s.source_id, s.start, s.end, src.text FROM segments s JOIN sources src "
                "ON src.id = s.source_id WHERE s.ordinal = ?", [ordinal]).fetchone()
            at = text.index(word, start)
            evidence = [{"kind": "keyword", "term": word, "text": word, "start": at, "end": at + len(word),
                         "reason": f"matches the code's keyword '{word}'"}]
            conn.execute(
                "INSERT INTO codings (source_id, segment_id, code_id, start, end, status, origin, method, score, "
                "evidence, created_at) VALUES (?, ?, ?, ?, ?, 'suggested', 'suggest', 'keyword', ?, ?, "
                "'2026-01-01T00:00:00+00:00')", [source_id, seg_id, code, start, end, score, json.dumps(evidence)])
    conn.close()


@pytest.fixture
def pending(run: Run, project: Path, write_file) -> Path:  # type: ignore[no-untyped-def]
    run("ingest", write_file("night.vtt", VTT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    add_suggestions(project, SUGGESTIONS)
    return project


def statuses(db: Path) -> dict[tuple[int, str], tuple[str, str | None]]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT s.ordinal, c.code_id, c.status, c.coder FROM codings c "
                        "JOIN segments s ON s.id = c.segment_id").fetchall()
    conn.close()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def review(run: Run, keys: str, *args: str) -> str:
    result = run("--coder", "maria", "review", *args, input=keys)
    return str(result.stdout)


def test_shows_segment_speaker_time_context_evidence_scores_and_progress(run: Run, pending: Path) -> None:
    out = review(run, "q\n")
    assert "Review · 0 done · 4 left (3 segments)" in out
    assert "night.vtt · turn 2 · line" in out and "00:00:09 · segment 2" in out
    assert "Facilitator (before): How have the nights been?" in out
    assert "Ana: Honestly I was burning out. Completely «exhausted» after every night shift." in out
    assert "▸ 1. exhaustion Exhaustion  0.90  keyword" in out
    assert "why 1: matches the code's keyword 'exhausted'" in out
    assert "This session: 0 accepted, 0 rejected, 0 coded by hand, 0 memo(s), 0 undone. 4 suggestion(s) left." in out


def test_accept_reject_and_accept_all_decide_as_the_coder(run: Run, pending: Path) -> None:
    out = review(run, "a\nr\nA\n")
    assert statuses(pending) == {(2, "exhaustion"): ("accepted", "maria"), (3, "support"): ("rejected", "maria"),
                                 (5, "exhaustion"): ("accepted", "maria"), (5, "support"): ("accepted", "maria")}
    assert "Nothing left to review with these filters." in out
    assert "This session: 3 accepted, 1 rejected" in out
    conn = sqlite3.connect(pending)
    events = conn.execute("SELECT actor, action, from_status, to_status, batch FROM events WHERE coding_id IS NOT NULL "
                          "ORDER BY id").fetchall()
    assert [e[:4] for e in events] == [("maria", "accept", "suggested", "accepted"),
                                       ("maria", "reject", "suggested", "rejected"),
                                       ("maria", "accept", "suggested", "accepted"),
                                       ("maria", "accept", "suggested", "accepted")]
    assert events[2][4] == events[3][4] != events[1][4]  # "accept all" is one decision


def test_next_moves_the_focus_to_another_suggestion(run: Run, pending: Path) -> None:
    out = review(run, "a\nr\nn\nr\nq\n")  # at segment 5: focus support, reject it
    assert "why 2: matches the code's keyword 'peer'" in out  # the focused suggestion's reasons
    assert statuses(pending)[(5, "support")] == ("rejected", "maria")
    assert statuses(pending)[(5, "exhaustion")] == ("suggested", None)


def test_undo_restores_the_exact_previous_state(run: Run, pending: Path) -> None:
    before = db_snapshot(pending)
    out = review(run, "a\nu\nq\n")
    assert "Undone." in out
    assert db_snapshot(pending) == before
    review(run, "a\nr\nA\nu\nu\nq\n")  # undo "accept all" then the reject
    assert statuses(pending)[(2, "exhaustion")] == ("accepted", "maria")
    assert statuses(pending)[(3, "support")] == ("suggested", None)
    assert statuses(pending)[(5, "support")] == ("suggested", None)


def test_add_another_code_and_write_a_memo(run: Run, pending: Path) -> None:
    out = review(run, "c\nhum\nm\nSounds like fatigue, not burnout.\nq\n")
    assert "Coded segment 2 as humour" in out
    conn = sqlite3.connect(pending)
    assert conn.execute("SELECT code_id, status, coder, origin FROM codings WHERE code_id = 'humour'").fetchall() == [
        ("humour", "accepted", "maria", "manual")]
    coding_id = conn.execute("SELECT c.id FROM codings c JOIN segments s ON s.id = c.segment_id "
                             "WHERE s.ordinal = 2 AND c.code_id = 'exhaustion'").fetchone()[0]
    assert conn.execute("SELECT target_type, target_id, author, text FROM memos").fetchall() == [
        ("coding", str(coding_id), "maria", "Sounds like fatigue, not burnout.")]


def test_an_unknown_code_or_key_is_reported_and_the_review_goes_on(run: Run, pending: Path) -> None:
    out = review(run, "c\nnonsense\nn\nx\na\nq\n")  # a name not in the codebook: declined
    assert "'nonsense' is not in the codebook. Add it as a new code? [y/N] n" in out
    assert "No code added." in out
    assert [r[0] for r in sqlite3.connect(pending).execute("SELECT id FROM codes ORDER BY id")] == [
        "exhaustion", "humour", "support"]
    assert "Unknown key 'x'." in out
    assert statuses(pending)[(2, "exhaustion")] == ("accepted", "maria")


def test_resumes_where_it_stopped_and_skipped_segments_come_last(run: Run, pending: Path) -> None:
    review(run, "a\nq\n")
    out = review(run, "q\n")
    assert "Review · 1 done · 3 left (2 segments)" in out and "segment 3" in out
    out = review(run, "s\ns\nq\n")  # skip 3 and 5: nothing left this session
    assert "Nothing left to review" in out
    out = review(run, "q\n")  # next time: still 3 first (skips keep their order)
    assert "segment 3" in out.split("\n", 2)[1]


def test_order_and_filters(run: Run, pending: Path) -> None:
    assert "segment 5" in review(run, "q\n", "--order", "uncertain").split("\n", 2)[1]
    assert "segment 2" in review(run, "q\n", "--order", "source").split("\n", 2)[1]
    assert "Review · 0 done · 2 left (2 segments)" in review(run, "q\n", "--code", "support")
    assert "Review · 0 done · 2 left (2 segments)" in review(run, "q\n", "--min-score", "0.58")
    result = run("review", "--order", "random", code=2)
    assert "--order" in result.stderr


def test_end_of_input_quits_cleanly(run: Run, pending: Path) -> None:
    out = review(run, "a\n")
    assert "This session: 1 accepted" in out
    assert statuses(pending)[(2, "exhaustion")] == ("accepted", "maria")


def test_shows_which_codes_have_enough_decisions_to_learn(run: Run, pending: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import qualcode.nlp.thresholds as thresholds

    monkeypatch.setattr(thresholds, "MIN_ACCEPTED", 1)
    monkeypatch.setattr(thresholds, "MIN_REJECTED", 1)
    out = review(run, "q\n")
    assert "not learning yet: 0 accepted, 0 rejected; needs 1 more accepted and 1 more rejected" in out
    out = review(run, "a\nr\nr\nq\n")  # exhaustion: one accepted (seg 2), one rejected (seg 5)
    assert "Enough decisions for the learned layer: exhaustion " in out


def test_the_learning_note_says_its_counts_in_words() -> None:
    """It said "8/5 accepted, 0/5 rejected to learn" beside "trained on 8 accepted and 97 rejected"."""
    from qualcode.cli.review_cmd import learning_note
    from qualcode.coding.review import Learned

    assert learning_note(Learned("x", 8, 0, False)) == "not learning yet: 8 accepted, 0 rejected; needs 5 more rejected"
    assert learning_note(Learned("x", 8, 97, True)) == "learning from 8 accepted, 97 rejected"


def test_the_key_loop_takes_an_injected_key_reader(run: Run, pending: Path) -> None:
    from qualcode.cli.review_cmd import Keys, run_review
    from qualcode.coding.review import ReviewSession
    from qualcode.project import open_project

    keys = iter(["c", "r", "q"])
    answers = iter(["humour"])
    console = Console(record=True, width=200, color_system=None)
    session = ReviewSession(open_project(pending), "lee")
    run_review(session, console, Keys(read_key=lambda: next(keys), ask=lambda prompt, choices: next(answers)))
    assert statuses(pending)[(2, "exhaustion")] == ("rejected", "lee")
    assert statuses(pending)[(2, "humour")] == ("accepted", "lee")
    assert "This session: 0 accepted, 1 rejected, 1 coded by hand" in console.export_text()


def test_capital_c_codes_the_turn_and_the_one_before_as_one_coding(run: Run, pending: Path) -> None:
    """`C` is `c` for an idea that began in the turn shown above: one coding across both
    turns (as `code --source` makes), shown as already coded, and one undo takes it back."""
    before = db_snapshot(pending)
    out = review(run, "C\nhum\nq\n")
    assert "Code this turn and the one before (Tab completes): hum" in out
    assert "Coded segment 2 with the turn before it (segment 1) as humour" in out
    assert "already coded: humour (maria)" in out
    conn = sqlite3.connect(pending)
    first_start = conn.execute("SELECT start FROM segments WHERE ordinal = 1").fetchone()[0]
    second_end = conn.execute("SELECT end FROM segments WHERE ordinal = 2").fetchone()[0]
    assert conn.execute("SELECT segment_id, start, end, status, coder, origin FROM codings "
                        "WHERE code_id = 'humour'").fetchall() == [
        (None, first_start, second_end, "accepted", "maria", "manual")]
    conn.close()
    quotes = json.loads(run("report", "quotes", "--code", "humour", "--include-facilitators", "-f", "json").stdout)
    assert "How have the nights been?" in quotes[0]["text"] and "Honestly I was burning out." in quotes[0]["text"]
    run("--coder", "maria", "undo")
    assert db_snapshot(pending) == before
    out = review(run, "C\nhum\nu\nq\n")
    assert "Undone." in out and db_snapshot(pending) == before


def test_capital_c_with_a_new_code_and_on_a_first_turn(run: Run, pending: Path) -> None:
    out = review(run, "C\nNight worries\ny\nq\n")
    assert "Added code night-worries (Night worries) to the codebook and coded segment 2 with the turn before it " \
           "(segment 1) with it" in out
    conn = sqlite3.connect(pending)
    assert conn.execute("SELECT segment_id, coder FROM codings WHERE code_id = 'night-worries'").fetchall() == [
        (None, "maria")]
    conn.close()
    add_suggestions(pending, [(1, "support", 0.3, "nights")])  # the facilitator's first turn of the source
    before = db_snapshot(pending)
    out = review(run, "C\nq\n", "--include-facilitators", "--order", "source")
    assert "Segment 1 is the first turn of its source: no turn before it to code with it." in out
    assert db_snapshot(pending) == before


def test_capital_c_with_a_suggested_code_accepts_the_suggestion_too(run: Run, pending: Path) -> None:
    """As `c` does: the turn carries the code, so its pending suggestion is accepted, in the
    same decision (one undo takes back both)."""
    before = db_snapshot(pending)
    out = review(run, "C\nexh\nq\n")
    assert "Coded segment 2 with the turn before it (segment 1) as exhaustion" in out
    assert statuses(pending)[(2, "exhaustion")] == ("accepted", "maria")
    conn = sqlite3.connect(pending)
    assert conn.execute("SELECT count(*) FROM codings WHERE segment_id IS NULL AND code_id = 'exhaustion' "
                        "AND status = 'accepted' AND coder = 'maria'").fetchone() == (1,)
    conn.close()
    assert "Review · 1 done · 3 left (2 segments)" in review(run, "q\n")
    run("--coder", "maria", "undo")
    assert db_snapshot(pending) == before
