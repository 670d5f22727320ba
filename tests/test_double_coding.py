"""Blind double coding: `assign` makes each coder's copy, `merge` brings it back, and
`review --disagreements` reconciles the coders under a consensus coder (scripted keys)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run, db_snapshot, query


@pytest.fixture
def coded(run: Run, em_project: Path) -> Path:
    """The EM project with suggestions and one decision of maria's."""
    run("suggest")
    run("--coder", "maria", "accept", "--code", "fatalism")
    run("--coder", "maria", "memo", "add", "maria's own view")
    return em_project


def test_assign_copies_sources_and_codebook_without_others_work(run: Run, coded: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(coded)
    with conn:  # an NVivo GUID of one of maria's codings
        conn.execute("INSERT INTO refi_ids (kind, local_id, guid) SELECT 'coding', max(id), 'G-1' FROM codings "
                     "WHERE coder = 'maria'")
    conn.close()
    result = run("assign", "alice", "--output", "alice.db")
    assert "Wrote alice.db for alice: 2 source(s), the codebook, 0 coding(s) of alice's own" in result.stderr
    assert "pending suggestion(s) hidden (--with-suggestions brings them)" in result.stderr
    copy = tmp_path / "alice.db"
    assert query(copy, "SELECT count(*) FROM codings") == [(0,)]
    assert query(copy, "SELECT count(*) FROM memos") == [(0,)]
    assert query(copy, "SELECT count(*) FROM events WHERE coding_id IS NOT NULL") == [(0,)]
    for table in ("sources", "segments", "speakers", "participants", "codes", "codebook_versions"):
        assert query(copy, f"SELECT * FROM {table} ORDER BY 1") == query(coded, f"SELECT * FROM {table} ORDER BY 1")
    assert query(copy, "SELECT value FROM meta WHERE key = 'assigned'")[0][0].startswith('{"coder": "alice"')
    assert query(copy, "SELECT count(*) FROM refi_ids") == [(0,)]
    # Nothing of the others survives in the file's free pages.
    assert b"maria's own view" not in copy.read_bytes()
    run("--db", "alice.db", "--coder", "alice", "code", "12", "fatalism")  # the copy is a working project


def test_assign_keeps_the_coders_own_work_and_brings_suggestions_undecided(run: Run, coded: Path,
                                                                          tmp_path: Path) -> None:
    mine = query(coded, "SELECT count(*) FROM codings WHERE coder = 'maria' AND status = 'accepted'")[0][0]
    pending = query(coded, "SELECT count(*) FROM codings WHERE origin = 'suggest'")[0][0]
    assert mine > 0
    result = run("assign", "maria", "--output", "maria.db")
    assert f"{mine} coding(s) of maria's own" in result.stderr
    assert query(tmp_path / "maria.db", "SELECT count(*) FROM memos WHERE author = 'maria'") == [(1,)]
    # maria's copy merged back brings nothing twice.
    assert f"0 coding(s) added (none), {mine} already present, 0 memo(s) added" in run("merge", "maria.db").stderr
    run("assign", "lee", "--output", "lee.db", "--with-suggestions")
    # maria's accepted suggestions come to lee undecided: lee decides them afresh.
    assert query(tmp_path / "lee.db", "SELECT count(*), count(DISTINCT status), max(coder) FROM codings") == [
        (pending, 1, None)]


def test_assign_refuses_to_overwrite_the_project_or_a_file(run: Run, coded: Path, tmp_path: Path) -> None:
    before = db_snapshot(coded)
    result = run("assign", "alice", "--output", "qualcode.db", code=1)
    assert result.stderr == "Error: qualcode.db is the open project; give a new file for the coder's copy\n"
    (tmp_path / "taken.db").write_text("keep me")
    result = run("assign", "alice", "--output", "taken.db", code=1)
    assert "taken.db already exists; give a new file for the coder's copy" in result.stderr
    assert (tmp_path / "taken.db").read_text() == "keep me"
    assert "folder nowhere does not exist" in run("assign", "alice", "--output", "nowhere/a.db", code=1).stderr
    assert db_snapshot(coded) == before
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name or p.name == "a.db"]


@pytest.fixture
def two_coders(run: Run, em_project: Path) -> Path:
    """alice and bob code blind copies; both are merged back. They disagree on fatalism in
    segments 12 (alice) and 20 (bob), and agree on dark-humour in 12 (a span for alice)."""
    run("assign", "alice", "--output", "alice.db")
    run("assign", "bob", "--output", "bob.db")
    alice = ("--db", "alice.db", "--coder", "alice")
    bob = ("--db", "bob.db", "--coder", "bob")
    run(*alice, "code", "12", "fatalism", "--memo", "Resigned to it.")
    run(*alice, "code", "12", "dark-humour", "--quote", "they make you do breathing exercises")
    run(*bob, "code", "12", "dark-humour")
    run(*bob, "code", "20", "fatalism")
    assert "2 coding(s) added (alice 2)" in run("--coder", "maria", "merge", "alice.db").stderr
    assert "2 coding(s) added (bob 2)" in run("--coder", "maria", "merge", "bob.db").stderr
    assert "0 coding(s) added" in run("--coder", "maria", "merge", "bob.db").stderr  # merging again adds nothing
    return em_project


def reconcile(run: Run, keys: str, *args: str) -> str:
    return str(run("--coder", "maria", "review", "--disagreements", *args, input=keys).stdout)


def test_disagreements_are_shown_side_by_side_and_reconciled_under_the_consensus_coder(
        run: Run, two_coders: Path) -> None:
    assert "2 disagreements" in run("report", "agreement", "--coders", "alice,bob").stdout
    out = reconcile(run, "y\nShe names it as giving up.\nn\n\n")
    assert "Reconcile · 0 decided · 2 left · as consensus" in out
    assert "em_peer_support_fg1.txt · turn 12 · line 27 · segment 12" in out
    assert "Code: fatalism Fatalism and resignation" in out
    header = next(line for line in out.splitlines() if "alice" in line and "bob" in line)
    assert header.index("alice") < header.index("bob")
    assert "coded the whole turn" in out and "not coded" in out and "memo: Resigned to it." in out
    assert "fatalism on segment 12: coded (consensus)" in out
    assert "fatalism on segment 20: not coded (consensus)" in out
    assert "This session: 1 coded, 1 not coded (as consensus), 1 memo(s), 0 undone. 0 disagreement(s) left." in out
    rows = query(two_coders, "SELECT id, segment_id, code_id, status, origin, method FROM codings "
                             "WHERE coder = 'consensus' ORDER BY segment_id")
    assert [r[1:] for r in rows] == [(12, "fatalism", "accepted", "manual", "reconcile"),
                                     (20, "fatalism", "rejected", "manual", "reconcile")]
    assert query(two_coders, "SELECT target_type, target_id, author, text FROM memos WHERE text LIKE 'She%'") == [
        ("coding", str(rows[0][0]), "maria", "She names it as giving up.")]
    assert query(two_coders, "SELECT actor FROM events WHERE action = 'reconcile'") == [("maria",), ("maria",)]
    # Done: nothing left, and the consensus is a coder like any other.
    assert "No disagreements left to reconcile." in reconcile(run, "q\n")
    agreement = run("report", "agreement", "--coders", "alice,consensus", "--format", "json").stdout
    assert '"coders"' in agreement


def test_reconciling_can_be_skipped_undone_and_resumed(run: Run, two_coders: Path) -> None:
    before = db_snapshot(two_coders)
    out = reconcile(run, "y\nwhy\nu\nq\n")
    assert "Undone." in out
    assert "This session: 0 coded, 0 not coded (as consensus), 0 memo(s), 1 undone. 2 disagreement(s) left." in out
    assert db_snapshot(two_coders) == before
    out = reconcile(run, "s\nn\n\nq\n")  # skip 12, decide 20, quit
    assert "segment 20: not coded" in out
    out = reconcile(run, "q\n")  # the skipped one is still there; 20 is done
    assert "1 left" in out and "segment 12" in out
    run("--coder", "maria", "undo")  # `qualcode undo` takes back a reconciliation too
    assert "2 left" in reconcile(run, "q\n")


def test_a_named_consensus_coder_and_clear_refusals(run: Run, two_coders: Path, em_project: Path) -> None:
    out = reconcile(run, "y\n\nq\n", "--as", "team", "--code", "fatalism")
    assert "as team" in out
    assert query(two_coders, "SELECT coder FROM codings WHERE method = 'reconcile'") == [("team",)]
    result = run("review", "--disagreements", "--coders", "alice", code=1)
    assert "reconciling needs at least two coders' codings, found 1 (alice)" in result.stderr
    result = run("review", "--disagreements", "--coders", "alice,zed", code=1)
    assert "no accepted codings by coder 'zed'" in result.stderr
    result = run("review", "--disagreements", "--as", "team", "--coders", "alice,team", code=1)
    assert "'team' is the consensus coder" in result.stderr
    assert "--min-score and --order are for suggestions" in run("review", "--disagreements", "--order", "source",
                                                                 code=2).stderr


def test_an_inductive_code_from_a_copy_comes_back_after_its_codebook(run: Run, em_project: Path,
                                                                   tmp_path: Path) -> None:
    """A coder who created codes in their copy: load the copy's codebook here, then merge."""
    run("assign", "alice", "--output", "alice.db")
    run("--db", "alice.db", "--coder", "alice", "code", "12", "--new", "Rearranged head")
    assert "load the same codebook here first" in run("merge", "alice.db", code=1).stderr
    run("--db", "alice.db", "codebook", "export", "--output", "alice-codebook.yaml")
    run("codebook", "load", "alice-codebook.yaml", "--yes")
    assert "1 coding(s) added (alice 1)" in run("merge", "alice.db").stderr
    conn = sqlite3.connect(em_project)
    assert conn.execute("SELECT code_id FROM codings WHERE coder = 'alice'").fetchall() == [("rearranged-head",)]
