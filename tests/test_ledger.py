"""One coding per segment, span, code and coder, always (issue 14 point 4).

Every write of codings, events and memos goes through ``qualcode.coding.ledger``; these
tests drive the commands that could make a coder's second copy of a coding (a codebook
merge, accepting a suggestion already coded by hand, imports, merges, undo) and the
migration that folds the twins older projects hold."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.conftest import query as q

TRANSCRIPT = """\
Ana: I am so tired after the night shift, completely exhausted.
Ben: Talking to my peers helped me a lot, my peer group.
Ana: The coffee is terrible.
"""
CODEBOOK = """\
codes:
  - id: exhaustion
    name: Exhaustion
    keywords: [exhausted]
  - id: support
    name: Peer support
    keywords: [peer]
  - id: peers
    name: Peers
    keywords: [peers]
"""
MERGED = """\
codes:
  - id: exhaustion
    name: Exhaustion
    keywords: [exhausted]
  - id: support
    name: Peer support
    keywords: [peer]
  - id: peers
    merged_into: support
"""


@pytest.fixture
def study(run: Run, project: Path, write_file) -> Path:  # type: ignore[no-untyped-def]
    run("ingest", write_file("night.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    return project


def seg(db: Path, ordinal: int) -> int:
    return int(q(db, "SELECT id FROM segments WHERE ordinal = ?", [ordinal])[0][0])


def live(db: Path) -> list[tuple[int, str, str]]:
    return q(db, "SELECT s.ordinal, c.code_id, c.coder FROM codings c JOIN segments s ON s.id = c.segment_id "
                 "WHERE c.status = 'accepted' ORDER BY s.ordinal, c.code_id, c.coder")


def exported(run: Run) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(run("export", "csv", "-").stdout)))


def test_a_codebook_merge_folds_a_coders_twin_codings_instead_of_exporting_them_twice(
        run: Run, study: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    two = seg(study, 2)
    run("--coder", "alice", "code", two, "support")
    run("--coder", "alice", "code", two, "peers")
    run("--coder", "bob", "code", two, "peers")  # another coder's coding is not a twin of alice's
    run("--coder", "alice", "memo", "add", "--coding", str(q(study, "SELECT max(id) FROM codings "
                                                                    "WHERE coder = 'alice'")[0][0]), "why peers")
    out = run("--coder", "lead", "codebook", "load", write_file("cb2.yaml", MERGED), "--yes")
    rows = [(r["code"], r["coder"]) for r in exported(run)]
    assert sorted(rows) == [("support", "alice"), ("support", "bob")]  # not alice's twice
    assert "1 duplicate folded" in out.stderr
    assert live(study) == [(2, "support", "alice"), (2, "support", "bob")]
    kept, folded = q(study, "SELECT id FROM codings WHERE coder = 'alice' ORDER BY id")
    assert q(study, "SELECT status FROM codings WHERE id = ?", [folded[0]]) == [("removed",)]
    event = q(study, "SELECT actor, action, from_status, to_status, detail FROM events WHERE action = 'fold'")
    assert [e[:4] for e in event] == [("lead", "fold", "accepted", "removed")]
    assert json.loads(event[0][4])["into"] == kept[0]
    # The memo on the folded coding now belongs to the coding that stands.
    assert q(study, "SELECT target_id FROM memos WHERE text = 'why peers'") == [(str(kept[0]),)]


def test_accepting_a_suggestion_the_coder_already_coded_by_hand_folds_it_and_undo_restores_it(
        run: Run, study: Path) -> None:
    run("--coder", "alice", "code", seg(study, 1), "exhaustion")
    run("suggest")
    assert q(study, "SELECT count(*) FROM codings WHERE status = 'suggested' AND code_id = 'exhaustion'") == [(1,)]
    before = q(study, "SELECT * FROM codings ORDER BY id")
    out = run("--coder", "alice", "accept", "--code", "exhaustion")
    assert "Accepted 1 suggestion as alice" in out.stderr
    assert live(study) == [(1, "exhaustion", "alice")]
    assert q(study, "SELECT origin, status FROM codings WHERE code_id = 'exhaustion' ORDER BY id") == [
        ("manual", "accepted"), ("suggest", "removed")]
    run("--coder", "alice", "undo")
    assert q(study, "SELECT * FROM codings ORDER BY id") == before


def test_the_schema_refuses_a_twin_even_from_code_that_bypasses_the_ledger(run: Run, study: Path) -> None:
    run("--coder", "alice", "code", seg(study, 1), "exhaustion")
    conn = sqlite3.connect(study)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute("INSERT INTO codings (source_id, segment_id, code_id, start, end, coder, status, origin, "
                     "method, created_at) SELECT source_id, segment_id, code_id, start, end, coder, status, "
                     "'manual', 'manual', created_at FROM codings")
    # Rejected and removed codings are history and may repeat.
    conn.execute("INSERT INTO codings (source_id, segment_id, code_id, start, end, coder, status, origin, method, "
                 "created_at) SELECT source_id, segment_id, code_id, start, end, coder, 'removed', 'manual', "
                 "'manual', created_at FROM codings")
    conn.close()


def twin_project(run: Run, study: Path) -> tuple[int, int]:
    """A project from before m008 holding a twin: the index dropped, the migration forgotten."""
    run("--coder", "alice", "code", seg(study, 1), "exhaustion")
    conn = sqlite3.connect(study)
    with conn:
        conn.execute("DROP INDEX codings_one_coding")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_one_coding_rule'")
        conn.execute("INSERT INTO codings (source_id, segment_id, code_id, start, end, coder, status, origin, method, "
                     "created_at, decided_at) SELECT source_id, segment_id, code_id, start, end, coder, status, "
                     "'import', 'import', created_at, '2026-01-02T00:00:00+00:00' FROM codings")
        ids = [r[0] for r in conn.execute("SELECT id FROM codings ORDER BY id")]
        conn.execute("INSERT INTO memos (target_type, target_id, author, text, created_at) "
                     "VALUES ('coding', ?, 'alice', 'second thoughts', '2026-01-02')", [str(ids[1])])
    conn.close()
    return ids[0], ids[1]


def test_m008_folds_existing_twins_with_an_event_and_then_forbids_them(run: Run, study: Path) -> None:
    kept, twin = twin_project(run, study)
    out = exported(run)  # opening the project migrates it
    assert [(r["code"], r["coder"]) for r in out] == [("exhaustion", "alice")]
    assert q(study, "SELECT id, status FROM codings ORDER BY id") == [(kept, "accepted"), (twin, "removed")]
    (actor, action, coding_id, frm, to, detail), = q(
        study, "SELECT actor, action, coding_id, from_status, to_status, detail FROM events WHERE action = 'fold'")
    assert (actor, coding_id, frm, to) == ("qualcode", twin, "accepted", "removed")
    assert json.loads(detail)["before"]["decided_at"] == "2026-01-02T00:00:00+00:00"
    assert q(study, "SELECT target_id FROM memos WHERE text = 'second thoughts'") == [(str(kept),)]
    assert q(study, "SELECT count(*) FROM sqlite_master WHERE name = 'codings_one_coding'") == [(1,)]
    assert "fold" in run("log").stdout


def test_import_codings_folds_a_row_that_repeats_another(run: Run, study: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("c.csv", f"source,segment,code,coder\nnight.txt,{seg(study, 2)},support,alice\n"
                               f"night.txt,{seg(study, 2)},support,alice\n")
    out = run("import", "codings", path)
    assert "1 coding(s) added" in out.stderr and "1 duplicate(s) folded" in out.stderr
    assert live(study) == [(2, "support", "alice")]
    assert q(study, "SELECT count(*) FROM events WHERE action = 'fold'") == [(1,)]
    again = run("import", "codings", path)  # the same file again: already there, nothing folded
    assert "2 already present" in again.stderr and "folded" not in again.stderr


def test_a_merge_never_makes_a_twin_of_codes_our_codebook_merged(
        run: Run, study: Path, write_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("--coder", "bea", "code", seg(study, 2), "support")
    run("--coder", "bea", "code", seg(study, 2), "peers")
    other = tmp_path / "bea.db"
    with sqlite3.connect(study) as src, sqlite3.connect(other) as dst:
        src.backup(dst)
    conn = sqlite3.connect(study)
    with conn:  # our copy: no codings of bea, and the codebook merges peers into support
        conn.execute("DELETE FROM events")
        conn.execute("DELETE FROM codings")
    conn.close()
    run("--coder", "lead", "codebook", "load", write_file("cb2.yaml", MERGED), "--yes")
    out = run("--coder", "lead", "merge", other)
    assert "1 coding(s) added" in out.stderr and "1 duplicate(s) folded" in out.stderr
    assert live(study) == [(2, "support", "bea")]


def test_a_qdpx_coding_the_same_span_twice_is_imported_once(run: Run, tmp_path: Path) -> None:
    from tests.test_interop_import import C_OTHER, PROJECT, S_TEXT, TEXT, U2, sel

    path = tmp_path / "twice.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", PROJECT.replace(sel(2, 37, 51, C_OTHER, U2),
                                                   sel(2, 37, 51, C_OTHER, U2) + sel(5, 37, 51, C_OTHER, U2)))
        zf.writestr(f"Sources/{S_TEXT}.txt", TEXT.encode("utf-8"))
    summary = json.loads(run("import", "qdpx", path, "--format", "json").stdout)
    assert summary["codings_added"] == 3 and summary["codings_folded"] == 1
    db = tmp_path / "qualcode.db"
    table = run("--db", tmp_path / "other.db", "import", "qdpx", path).stdout
    assert "0 already in the project, 1 duplicate(s) folded (the file codes the same span twice)" in table
    assert q(db, "SELECT count(*) FROM codings WHERE coder = 'JB' AND code_id = 'agreement'") == [(2,)]


def test_undo_refuses_to_overwrite_a_later_decision_by_someone_else(run: Run, study: Path) -> None:
    run("suggest")
    run("--coder", "alice", "accept", "--code", "exhaustion")
    coding = q(study, "SELECT id FROM codings WHERE status = 'accepted'")[0][0]
    run("--coder", "bob", "uncode", "--coding", coding)
    before = q(study, "SELECT * FROM codings ORDER BY id")
    err = run("--coder", "alice", "undo", code=1).stderr
    assert err == (f"Error: coding {coding} was changed after that decision (bob made it removed); undo "
                   f"would overwrite it. `qualcode log --coding {coding}` shows its history\n")
    assert q(study, "SELECT * FROM codings ORDER BY id") == before


def test_coding_a_segment_by_hand_never_turns_another_coders_rejection_into_an_acceptance(
        run: Run, study: Path) -> None:
    run("suggest")
    run("--coder", "bob", "reject", "--code", "exhaustion")
    run("--coder", "alice", "code", seg(study, 1), "exhaustion")
    assert q(study, "SELECT origin, status, coder FROM codings WHERE code_id = 'exhaustion' AND segment_id = ? "
                    "ORDER BY id", [seg(study, 1)]) == [("suggest", "rejected", "bob"), ("manual", "accepted", "alice")]
    # Her own earlier "no" she may turn round: no second coding.
    run("--coder", "carla", "code", seg(study, 2), "support")
    run("--coder", "carla", "uncode", seg(study, 2), "support")
    run("--coder", "carla", "code", seg(study, 2), "support")
    assert q(study, "SELECT count(*) FROM codings WHERE code_id = 'support' AND coder = 'carla' "
                    "AND status = 'accepted'") == [(1,)]


def test_remapping_an_orphaned_code_folds_twins_too(run: Run, study: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("--coder", "alice", "code", seg(study, 2), "support")
    run("--coder", "alice", "code", seg(study, 2), "peers")
    run("codebook", "load", write_file("cb3.yaml", CODEBOOK.split("  - id: peers")[0]), "--yes")
    out = run("--coder", "alice", "codebook", "remap", "peers", "support")
    assert "Remapped 1 coding from peers to support; 1 duplicate folded" in out.stderr
    assert live(study) == [(2, "support", "alice")]
