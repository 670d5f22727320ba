"""Reads beside the report's own (issue 20): a second connection in a thread gives the rows
the report's connection would, and the report's connection reads them itself whenever a
second one could see something else (uncommitted writes, a database in memory) or fails."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from qualcode.project import open_project
from qualcode.reports import beside, coded
from qualcode.reports.beside import Beside
from tests.conftest import Run
from tests.test_reports_golden import study  # noqa: F401  (fixture)

ROWS = "SELECT id, name FROM sources ORDER BY id"


def _reports(run: Run, *args: str) -> dict[str, Any]:
    return {name: json.loads(run("report", name, *extra, *args, "--format", "json").stdout)
            for name, extra in (("themes", []), ("matrix", ["--by", "role"]), ("cooccurrence", []),
                                ("quotes", []), ("agreement", ["--characters"]))}


def test_reports_are_the_same_read_beside_or_not(run: Run, study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    real = beside.Beside._run
    monkeypatch.setattr(beside.Beside, "_run", lambda self, conn: (threads.append("beside"), real(self, conn))[1])
    both = _reports(run)
    assert threads, "no query was read beside: the parallel path went untested"
    monkeypatch.setattr(beside.os, "cpu_count", lambda: 1)  # one core: everything on the report's connection
    threads.clear()
    alone = _reports(run)
    assert not threads
    assert both == alone
    assert alone["agreement"]["disagreements"] and alone["agreement"]["characters"]["units"] > 0


def test_the_rows_of_a_second_connection(study: Path) -> None:
    db = open_project(study)
    reading = Beside(db, ROWS)
    assert reading._thread is not None
    assert reading.rows() == db.execute(ROWS).fetchall() != []


def test_a_project_in_a_folder_with_uri_characters(run: Run, study: Path, tmp_path: Path) -> None:
    """The second connection opens the same file, whatever its folder is called (a URI
    reads '?' as its query and '#' as its fragment): nothing else is opened or created."""
    folder = tmp_path / "a b?c#d%20é"
    folder.mkdir()
    moved = folder / "p?.db"
    study.rename(moved)
    db = open_project(moved)
    files = {p for p in tmp_path.rglob("*") if "-wal" not in p.name and "-shm" not in p.name}
    reading = Beside(db, ROWS)
    assert reading._thread is not None
    reading._thread.join()
    assert reading._error is None  # read there, not by the fallback
    assert reading.rows() == db.execute(ROWS).fetchall() != []
    assert {p for p in tmp_path.rglob("*") if "-wal" not in p.name and "-shm" not in p.name} == files


def test_inside_a_transaction_the_reports_connection_reads(study: Path) -> None:
    """Its uncommitted writes are not there for another connection: a report must see them."""
    db = open_project(study)
    db.conn.execute("BEGIN")
    db.conn.execute("UPDATE sources SET name = 'renamed.txt' WHERE id = 1")
    reading = Beside(db, ROWS)
    assert reading._thread is None
    assert ("renamed.txt" in {name for _id, name in reading.rows()})
    db.conn.rollback()


def test_in_memory_the_reports_connection_reads() -> None:
    import sqlite_utils

    db = sqlite_utils.Database(memory=True)
    db.execute("CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("INSERT INTO sources VALUES (1, 'a.txt')")
    reading = Beside(db, ROWS)
    assert reading._thread is None
    assert reading.rows() == [(1, "a.txt")]


def test_a_failing_second_connection_falls_back(study: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A second connection that cannot read (here: a file without the tables) costs nothing
    but the time: the report's connection reads the rows."""
    other = tmp_path / "other.db"
    sqlite3.connect(other).close()
    monkeypatch.setattr(beside, "_second_connection",
                        lambda db: sqlite3.connect(other, check_same_thread=False))
    db = open_project(study)
    reading = Beside(db, ROWS)
    assert reading._thread is not None
    assert reading.rows() == db.execute(ROWS).fetchall() != []


def test_a_turn_ingested_between_two_reads_is_left_out(study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two reads are two snapshots: a segment (and a coding on it) that another process added
    after the segment table was read must not crash the report nor count."""
    db = open_project(study)
    stale = db.execute(coded._SEGMENT_COLUMNS).fetchall()
    before = {code: int(mask.sum()) for code, mask in coded.code_masks(db).items()}
    top, source, code = db.execute("SELECT max(id), source_id, (SELECT id FROM codes LIMIT 1) FROM segments").fetchone()
    with db.conn:
        db.execute("INSERT INTO segments (id, source_id, ordinal, start, end, line, kind, text, words) "
                   "VALUES (?, ?, 9999, 0, 5, 1, 'speech', 'later', 1)", [top + 1, source])
        db.execute("INSERT INTO codings (source_id, segment_id, code_id, start, end, coder, status, origin, method, "
                   "created_at) VALUES (?, ?, ?, 0, 5, 'kim', 'accepted', 'manual', 'manual', '2026-01-01')",
                   [source, top + 1, code])

    class Stale:
        def rows(self) -> list[tuple[Any, ...]]:
            return stale
    monkeypatch.setattr(coded, "read_segments_beside", lambda db: Stale())
    after = {code: int(mask.sum()) for code, mask in coded.code_masks(db).items()}
    assert after == before
