"""`qualcode merge OTHER.db`: two coders' projects from the same sources, side by side."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run, db_snapshot
from tests.test_review import CODEBOOK, SUGGESTIONS, VTT, add_suggestions
from tests.conftest import query as q


@pytest.fixture
def two(run: Run, tmp_path: Path, write_file) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """maria's project (ours) and lee's, both from night.vtt, coded differently."""
    vtt, cb = write_file("night.vtt", VTT), write_file("cb.yaml", CODEBOOK)
    for name in ("maria.db", "lee.db"):
        run("--db", name, "init")
        run("--db", name, "ingest", vtt)
        run("--db", name, "codebook", "load", cb)
        add_suggestions(tmp_path / name, SUGGESTIONS)
    run("--db", "maria.db", "--coder", "maria", "accept", "--min-score", "0.5")
    run("--db", "maria.db", "--coder", "maria", "code", "4", "humour")
    run("--db", "lee.db", "--coder", "lee", "accept", "--code", "exhaustion")
    run("--db", "lee.db", "--coder", "lee", "reject", "--code", "support")
    run("--db", "lee.db", "--coder", "lee", "code", "5", "humour", "--quote", "my peer laughed")
    run("--db", "lee.db", "--coder", "lee", "memo", "add", "Laughing it off.", "--coding", "5")
    run("--db", "lee.db", "--coder", "lee", "memo", "add", "Lee's notes on the source.", "--source", "night.vtt")
    return tmp_path / "maria.db", tmp_path / "lee.db"


def decisions(db: Path) -> list[tuple[object, ...]]:
    return q(db, "SELECT s.ordinal, c.code_id, c.coder, c.status, c.start, c.end FROM codings c "
                 "JOIN segments s ON s.id = c.segment_id WHERE c.status != 'suggested' "
                 "ORDER BY s.ordinal, c.code_id, c.coder")


def test_merge_keeps_both_coders_decisions_side_by_side(run: Run, two: tuple[Path, Path]) -> None:
    ours, theirs = two
    mine, lees = decisions(ours), decisions(theirs)
    out = run("--db", ours, "--coder", "maria", "merge", theirs).stderr
    assert out.startswith(f"Merged {theirs}: 1 source(s) matched, 5 coding(s) added (lee 5), 0 already present, "
                          "2 memo(s) added\n")
    assert sorted(decisions(ours), key=repr) == sorted(mine + lees, key=repr)
    assert q(ours, "SELECT count(*) FROM codings WHERE origin = 'merge'") == [(5,)]
    # lee's memo follows lee's coding to its new id; the source memo to our source.
    ((coding_id,),) = q(ours, "SELECT id FROM codings WHERE coder = 'lee' AND code_id = 'humour'")
    assert q(ours, "SELECT target_type, target_id, author, text FROM memos ORDER BY id") == [
        ("coding", str(coding_id), "lee", "Laughing it off."), ("source", "1", "lee", "Lee's notes on the source.")]
    assert q(ours, "SELECT count(*) FROM events WHERE action = 'merge' AND actor = 'maria'") == [(5,)]
    # The other file is only read.
    assert decisions(theirs) == lees


def test_merging_again_adds_nothing(run: Run, two: tuple[Path, Path]) -> None:
    ours, theirs = two
    run("--db", ours, "merge", theirs)
    before = db_snapshot(ours)
    out = run("--db", ours, "merge", theirs).stderr
    assert "0 coding(s) added (none), 5 already present, 0 memo(s) added" in out
    assert db_snapshot(ours) == before


def test_mismatched_sources_are_refused_and_nothing_changes(run: Run, two: tuple[Path, Path], write_file) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = two
    run("--db", theirs, "ingest", write_file("other.vtt", VTT.replace("coffee", "tea")))
    before = db_snapshot(ours)
    err = run("--db", ours, "merge", theirs, code=1).stderr
    assert err == (f"Error: {theirs} has 1 source(s) that are not in this project (other.vtt); both projects must "
                   "ingest the same files (matched by content); ingest them here first\n")
    assert db_snapshot(ours) == before


def test_differently_segmented_sources_are_refused(run: Run, tmp_path: Path, two: tuple[Path, Path]) -> None:
    ours, theirs = two
    conn = sqlite3.connect(theirs)
    with conn:
        conn.execute("UPDATE segments SET end = end - 1 WHERE ordinal = 2")
    conn.close()
    before = db_snapshot(ours)
    err = run("--db", ours, "merge", theirs, code=1).stderr
    assert err == (f"Error: source night.vtt is split into segments differently in {theirs}; ingest it with the "
                   "same options (--speaker-pattern, format) in both projects\n")
    assert db_snapshot(ours) == before


def test_codes_this_project_lacks_are_refused(run: Run, two: tuple[Path, Path], write_file) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = two
    run("--db", theirs, "codebook", "load", write_file("cb2.yaml", CODEBOOK + "  - id: coffee\n    name: Coffee\n"),
        "--yes")
    run("--db", theirs, "--coder", "lee", "code", "5", "coffee")
    before = db_snapshot(ours)
    err = run("--db", ours, "merge", theirs, code=1).stderr
    assert err == (f"Error: {theirs} codes with 1 code(s) this project does not have (coffee); load the same "
                   "codebook here first\n")
    assert db_snapshot(ours) == before


@pytest.mark.parametrize("kind", ["missing", "self", "not-sqlite"])
def test_bad_other_files(run: Run, two: tuple[Path, Path], write_file, kind: str) -> None:  # type: ignore[no-untyped-def]
    ours, _ = two
    other = {"missing": "nope.db", "self": str(ours), "not-sqlite": str(write_file("x.db", "hello"))}[kind]
    err = run("--db", ours, "merge", other, code=1).stderr
    expected = {"missing": "Error: nope.db: no such project file; give the other coder's .db file\n",
                "self": f"Error: {ours} is this project; give the other coder's project file\n",
                "not-sqlite": f"Error: {other} is not a qualcode project (not an SQLite database)\n"}[kind]
    assert err == expected


def test_their_codings_follow_our_renames_and_merges(run: Run, two: tuple[Path, Path], write_file) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = two
    evolved = CODEBOOK.replace("  - id: exhaustion\n    name: Exhaustion\n",
                               "  - id: fatigue\n    name: Fatigue\n    renamed_from: exhaustion\n")
    evolved = evolved.replace("  - id: humour\n    name: Humour\n    keywords: [laugh]\n",
                              "  - id: humour\n    merged_into: support\n")
    run("--db", ours, "codebook", "load", write_file("v2.yaml", evolved), "--yes")
    run("--db", ours, "merge", theirs)
    assert q(ours, "SELECT code_id, count(*) FROM codings WHERE coder = 'lee' GROUP BY code_id ORDER BY code_id") == [
        ("fatigue", 2), ("support", 3)]
