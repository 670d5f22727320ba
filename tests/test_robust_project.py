"""The project file's own conditions: unreadable, read-only, disk full, written by a newer
qualcode. Each is one line on stderr, exit 1, and the project is left as it was; never a
traceback, never "is not a qualcode project" for the user's own project (issues 14.6, 19.6)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import qualcode.project as project_module
from tests.conftest import SAMPLES, Run, db_snapshot, query

FG1 = SAMPLES / "em_peer_support_fg1.txt"


def one_line_error(result: Any) -> str:
    assert result.exit_code == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


@pytest.fixture
def coded(run: Run, em_project: Path) -> Path:
    return em_project


@pytest.fixture
def read_only_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite opens every project file read-only, as it does for a file without write
    permission (a chmod cannot stop root, who runs these tests in CI containers)."""
    real = sqlite3.connect

    def connect(path: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        return real(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(project_module.sqlite3, "connect", connect)


def test_a_read_only_project_can_be_read_and_refuses_writes_in_one_line(
        run: Run, coded: Path, read_only_connections: None) -> None:
    before = db_snapshot(coded)
    run("segments", "--limit", "2")  # reading works
    message = one_line_error(run("code", "3", "cohort-belonging", code=1))
    assert message == ("Error: qualcode.db is read-only, so this command changed nothing (the project is intact); "
                       "make the file and its folder writable (chmod u+w) or copy the project to a folder you "
                       "can write to")
    one_line_error(run("ingest", SAMPLES / "mentorship_fg1.txt", code=1))
    assert db_snapshot(coded) == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_project_file_is_one_line(run: Run, coded: Path) -> None:
    coded.chmod(0)
    try:
        assert "permission denied" in one_line_error(run("segments", code=1))
    finally:
        coded.chmod(0o644)


def test_an_unreadable_project_file_is_one_line_even_for_root(
        run: Run, coded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = Path.open

    def deny(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == coded.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)
    message = one_line_error(run("segments", code=1))
    assert message.startswith("Error: cannot read qualcode.db: permission denied;")
    assert "not a qualcode project" not in message


def _disk_holds(monkeypatch: pytest.MonkeyPatch, extra_pages: int) -> None:
    """The disk fills up after ``extra_pages`` more pages (SQLite's own size cap)."""
    real = project_module._connect

    def connect(path: Path) -> Any:
        db = real(path)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages + extra_pages}")
        return db

    monkeypatch.setattr(project_module, "_connect", connect)


def test_a_full_disk_during_ingest_is_one_line_and_the_project_stays_intact(run: Run, project: Path) -> None:
    before = db_snapshot(project)
    with pytest.MonkeyPatch.context() as mp:
        _disk_holds(mp, 2)
        message = one_line_error(run("ingest", FG1, code=1))
    assert "the disk is full" in message and "the project is intact" in message
    assert db_snapshot(project) == before
    run("ingest", FG1)  # after freeing space it simply works: still a qualcode project
    assert query(project, "SELECT count(*) FROM sources") == [(1,)]


def test_a_full_disk_during_init_leaves_no_half_made_project(run: Run, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        _disk_holds(mp, 0)
        assert "the disk is full" in one_line_error(run("init", code=1))
    assert not list(tmp_path.glob("qualcode.db*"))
    run("init")
    run("segments")


def _from_the_future(path: Path, version: str | None = "9.1.0") -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('qualcode', 'm099_something_new', '2030-01-01')")
        if version is None:
            conn.execute("DELETE FROM meta WHERE key = 'qualcode_version'")
        else:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'qualcode_version'", [version])
    conn.close()


def test_the_project_records_the_qualcode_that_upgraded_it(project: Path) -> None:
    from qualcode import __version__

    assert query(project, "SELECT value FROM meta WHERE key = 'qualcode_version'") == [(__version__,)]


def test_a_project_from_a_newer_qualcode_is_read_but_never_written(run: Run, coded: Path) -> None:
    from qualcode import __version__

    _from_the_future(coded)
    before = db_snapshot(coded)
    run("codebook", "show")
    run("report", "themes")
    for args in (("code", "3", "cohort-belonging"), ("ingest", SAMPLES / "mentorship_fg1.txt"),
                 ("participants", "import", SAMPLES / "participants_em.csv")):
        message = one_line_error(run(*args, code=1))
        assert message == (f"Error: qualcode.db was last upgraded by qualcode 9.1.0 (schema m099_something_new), "
                           f"which this qualcode {__version__} does not know; it can read the project but not "
                           "change it: upgrade qualcode (pip install -U qualcode); the project is unchanged")
    assert db_snapshot(coded) == before


def test_a_newer_project_without_a_recorded_version_still_names_the_schema(run: Run, coded: Path) -> None:
    _from_the_future(coded, version=None)
    message = one_line_error(run("code", "3", "cohort-belonging", code=1))
    assert "upgraded by a newer qualcode (schema m099_something_new)" in message


def test_an_empty_project_file_says_how_to_make_it_one(run: Run, tmp_path: Path) -> None:
    (tmp_path / "qualcode.db").write_bytes(b"")  # as an interrupted init of an older version left it
    assert one_line_error(run("segments", code=1)) == (
        "Error: qualcode.db is empty, not yet a project; run `qualcode init` to make it one")
    run("init")
    run("segments")


def test_a_damaged_project_is_one_line_that_says_what_to_do(run: Run, coded: Path) -> None:
    conn = sqlite3.connect(coded)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(coded.read_bytes())
    for at in range(2 * page, len(data), 3 * page):  # overwrite every third page past the schema
        data[at:at + page] = b"\xa5" * page
    coded.write_bytes(bytes(data))
    message = one_line_error(run("report", "themes", code=1))
    assert "is damaged" in message and "restore it from a backup" in message
