"""Codings that start in one turn and end in a later one (issue 18 point 2): made with
`code --source`, counted by every report in every turn they touch, quoted whole with each
speaker named, and carried through a REFI-QDA round trip."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import Run, db_snapshot
from tests.test_reports_golden import study  # noqa: F401  (fixture)

# fg1.txt: turn 2 (Ana) "... Ben was there too. It helped a lot." then turn 3 (Ben) "My cohort is close."
ACROSS = "It helped a lot. My cohort"


def _codings(db: Path) -> list[tuple[int | None, int, int, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT segment_id, start, end, code_id, coder FROM codings WHERE status = 'accepted' "
                            "AND code_id = 'support' ORDER BY id").fetchall()


def test_code_a_quote_across_turns(run: Run, study: Path) -> None:
    out = run("--coder", "ray", "code", "--source", "fg1.txt", "--quote", ACROSS, "support").stderr
    assert out.startswith("Coded a span of fg1.txt across 2 turns (2, 3) as support (ray): coding ")
    [(segment, start, end, _code, coder)] = _codings(study)
    with sqlite3.connect(study) as conn:
        text = conn.execute("SELECT text FROM sources WHERE name = 'fg1.txt'").fetchone()[0]
    assert segment is None and coder == "ray"
    assert text[start:end] == "It helped a lot.\nBen: My cohort"  # the label between the turns is inside
    again = run("--coder", "ray", "code", "--source", "fg1.txt", "--start", str(start), "--end", str(end), "support")
    assert "is already coded support by ray; nothing to do" in again.stderr
    assert len(_codings(study)) == 1
    run("--coder", "ray", "undo")
    assert _codings(study) == []


def test_a_span_inside_one_turn_is_that_turns_coding(run: Run, study: Path) -> None:
    run("--coder", "ray", "code", "--source", "fg1.txt", "--quote", "my COHORT is close.", "support")
    run("--coder", "ray", "code", "3", "support")
    assert [(seg, coder) for seg, *_rest, coder in _codings(study)] == [(3, "ray")]  # one coding, not two


def test_bad_spans_are_refused_without_echoing_text(run: Run, study: Path) -> None:
    before = db_snapshot(study)
    err = run("code", "--source", "fg1.txt", "--quote", "words nobody said", "support", code=1).stderr
    assert err == ("Error: the quote is not in fg1.txt; copy the exact words from `qualcode segments` "
                   "(the quote is not repeated here: transcripts are confidential)\n")
    err = run("code", "--source", "fg1.txt", "--start", "0", "--end", "4", "support", code=1).stderr
    assert err.startswith("Error: characters 0-4 of fg1.txt hold no speech")  # "Fac:" only
    err = run("code", "--source", "fg1.txt", "--start", "5", "support", code=1).stderr
    assert err.startswith("Error: with --source, give --start and --end")
    err = run("code", "--source", "nope.txt", "--start", "5", "--end", "9", "support", code=1).stderr
    assert err == "Error: unknown source 'nope.txt'; run `qualcode sources` to list source names\n"
    assert "give only CODE_ID" in run("code", "--source", "fg1.txt", "3", "support", code=2).stderr
    assert db_snapshot(study) == before


def test_every_report_counts_it_in_each_turn_it_touches(run: Run, study: Path) -> None:
    run("--coder", "kim", "code", "--source", "fg1.txt", "--quote", ACROSS, "coping")
    themes = {t["code_id"]: t for t in json.loads(run("report", "themes", "-f", "json").stdout)}
    # coping: kim turn 4 plus turns 2 and 3 across; lee turns 4 and 7
    assert themes["coping"]["direct"]["segments"] == 4
    pairs = json.loads(run("report", "cooccurrence", "-f", "json").stdout)
    assert json.dumps(pairs).count("coping") > 0
    matrix = json.loads(run("report", "matrix", "--by", "role", "-f", "json").stdout)
    assert "coping" in json.dumps(matrix)
    agreement = json.loads(run("report", "agreement", "--characters", "-f", "json").stdout)
    coping = next(c for c in agreement["codes"] if c["code_id"] == "coping")
    assert coping["coded"] == {"kim": 3, "lee": 2}
    # by character: "It helped a lot." (16) and "My cohort" (9), not the label "Ben: " between them
    assert coping["characters"]["coded"]["kim"] == len("I drink too much.") + 16 + 9
    quotes = json.loads(run("report", "quotes", "--code", "coping", "-f", "json").stdout)
    across = [q for q in quotes if q["segment_id"] is None]
    assert [(q["speaker"], q["text"], q["line"]) for q in across] == [
        ("Ana, Ben", "Ana: It helped a lot.\nBen: My cohort", 2)]
    masked = json.loads(run("report", "quotes", "--code", "coping", "--pseudonymise", "-f", "json").stdout)
    [q] = [q for q in masked if q["segment_id"] is None]
    assert (q["speaker"], q["text"]) == ("Alex, Blake", "Alex: It helped a lot.\nBlake: My cohort")


def test_refi_qda_round_trip_keeps_the_span(run: Run, study: Path, tmp_path: Path) -> None:
    run("--coder", "kim", "code", "--source", "fg1.txt", "--quote", ACROSS, "support")
    [(segment, start, end, _code, _coder)] = _codings(study)
    run("export", "qdpx", "study.qdpx")
    other = tmp_path / "other.db"
    summary = json.loads(run("--db", str(other), "import", "qdpx", "study.qdpx", "--format", "json").stdout)
    assert summary["codings_without_segment"] == 1
    assert _codings(other) == [(None, start, end, "support", "kim")]
    # and back again: the second project exports the same selection
    run("--db", str(other), "export", "qdpx", "again.qdpx")
    third = tmp_path / "third.db"
    run("--db", str(third), "import", "qdpx", "again.qdpx")
    assert _codings(third) == [(None, start, end, "support", "kim")]
    quotes = json.loads(run("--db", str(third), "report", "quotes", "--code", "support", "-f", "json").stdout)
    assert [q["text"] for q in quotes if q["segment_id"] is None] == ["Ana: It helped a lot.\nBen: My cohort"]


def test_a_long_span_names_its_first_and_last_turn(run: Run, study: Path) -> None:
    out = run("--coder", "ray", "code", "--source", "fg1.txt", "--quote", "a lot. My cohort is close. I drink",
              "support").stderr
    assert out.startswith("Coded a span of fg1.txt across 3 turns (2–4) as support (ray): coding ")


def test_listed_and_removed_from_any_turn_it_touches(run: Run, study: Path) -> None:
    run("--coder", "ray", "code", "--source", "fg1.txt", "--quote", ACROSS, "support")
    for turn in ("2", "3"):
        rows = json.loads(run("codings", "--segment", turn, "--code", "support", "--format", "json").stdout)
        assert [(r["segment_id"], r["coder"]) for r in rows] == [(None, "ray")]
    assert json.loads(run("codings", "--segment", "4", "--code", "support", "--format", "json").stdout) == []
    run("--coder", "ray", "uncode", "3", "support")
    assert _codings(study) == []
