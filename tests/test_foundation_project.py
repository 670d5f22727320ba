"""init, --db / QUALCODE_DB, and refusing files that are not qualcode projects."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Run


def test_init_creates_the_default_project(run: Run, tmp_path: Path) -> None:
    result = run("init")
    assert (tmp_path / "qualcode.db").exists()
    assert "Created project qualcode.db" in result.stderr


def test_init_twice_is_a_noop(run: Run, project: Path) -> None:
    result = run("init")
    assert "already exists; nothing to do" in result.stderr


def test_db_option_and_env_choose_the_project(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("--db", "a.db", "init")
    assert (tmp_path / "a.db").exists()
    monkeypatch.setenv("QUALCODE_DB", str(tmp_path / "b.db"))
    run("init")
    assert (tmp_path / "b.db").exists()
    assert not (tmp_path / "qualcode.db").exists()


def test_missing_project_says_to_run_init(run: Run) -> None:
    result = run("sources", code=1)
    assert result.stderr == "Error: no project at qualcode.db; run `qualcode init` first (or pass --db / set QUALCODE_DB)\n"


def test_a_file_that_is_not_a_database_is_refused_and_untouched(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("notes.db", "just some notes\n")
    result = run("--db", path, "sources", code=1)
    assert "is not a qualcode project (not an SQLite database)" in result.stderr
    assert result.stderr.count("\n") == 1
    assert path.read_text() == "just some notes\n"


def test_another_sqlite_database_is_refused(run: Run, tmp_path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(tmp_path / "other.db")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    result = run("--db", tmp_path / "other.db", "sources", code=1)
    assert "is not a qualcode project (no qualcode tables)" in result.stderr
    result = run("--db", tmp_path / "other.db", "init", code=1)
    assert "is an SQLite database but not a qualcode project" in result.stderr


def test_version(run: Run) -> None:
    assert run("--version").stdout.startswith("qualcode ")
