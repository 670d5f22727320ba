"""Opening a project: the one place that connects to the database.

A project is one SQLite file (WAL mode). :func:`open_project` refuses files that are not
qualcode projects, applies pending migrations on every open, and returns a
``sqlite_utils.Database``. :func:`transaction` is the single transaction helper: every write
command runs inside one, so it lands whole or not at all.

``sqlite_utils`` is imported lazily (``qualcode --help`` must stay fast) and without pandas
(:mod:`qualcode.imports`).

Conditions of the file itself are the user's to fix, never a reason to call their project
"not a qualcode project": :func:`explain_database_error` turns SQLite's read-only, disk-full
and cannot-open errors into one line saying that the project is intact and what to do. A
project whose schema was written by a newer qualcode (a migration this version does not
know) is opened read-only (``PRAGMA query_only``): reports and exports work, and anything
that would change it is refused with one line naming both versions.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from qualcode.errors import NotAProjectError, QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

DEFAULT_DB = "qualcode.db"
SQLITE_MAGIC = b"SQLite format 3\x00"
VERSION_KEY = "qualcode_version"  # in ``meta``: the qualcode that last changed the schema


@dataclass
class _Opened:
    """The project this process opened last, so that a write error can name it. A command
    opens one project; the CLI turns its SQLite errors into one line (cli/main.py)."""

    path: Path | None = None
    newer: str | None = None  # why writing is refused, when the schema is newer than this qualcode


_opened = _Opened()


def resolve_db_path(db: str | None) -> Path:
    """The project path: ``--db``, else ``$QUALCODE_DB``, else ``./qualcode.db``."""
    return Path(db or os.environ.get("QUALCODE_DB") or DEFAULT_DB)


def _connect(path: Path) -> "Database":
    from qualcode.imports import import_sqlite_utils

    sqlite_utils = import_sqlite_utils()

    try:
        conn = sqlite3.connect(str(path))
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA foreign_keys = ON")
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            with db.ensure_autocommit_on():
                db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_NOTADB":
            _opened.path, _opened.newer = path, None
            raise QualcodeError(explain_database_error(exc) or f"cannot open {path} ({exc})") from None
        raise NotAProjectError(
            f"{path} is not a qualcode project ({exc}); pass --db with the right file"
        ) from None
    return db


def _check_is_sqlite(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except PermissionError:
        raise QualcodeError(f"cannot read {path}: permission denied; ask the file's owner for read and "
                            "write access, or work on a copy you own") from None
    if head != SQLITE_MAGIC and head != b"":
        raise NotAProjectError(
            f"{path} is not a qualcode project (not an SQLite database); pass --db with the "
            "project file, or run `qualcode init` to create one"
        )


def init_project(path: Path) -> tuple["Database", bool]:
    """Create the project at ``path`` (or open it if it exists). Returns (db, created)."""
    created = not path.exists()
    if created:
        if path.parent and not path.parent.exists():
            raise QualcodeError(f"folder {path.parent} does not exist; create it first")
    else:
        _check_is_sqlite(path)
        db = _connect(path)
        if db.table_names() and not _is_qualcode(db):
            db.close()
            raise NotAProjectError(
                f"{path} is an SQLite database but not a qualcode project; choose another --db path"
            )
        db.close()
    db = _connect(path)
    if not created:
        _guard(db, path)
        return db, created
    try:
        _guard(db, path)
    except BaseException:
        # A failed first migration (a full disk) must not leave an empty file that later
        # reads as "not a qualcode project": nothing was created, so nothing stays.
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    return db, created


def open_project(path: Path) -> "Database":
    """Open an existing project, applying any pending migrations."""
    if not path.exists():
        raise NotAProjectError(
            f"no project at {path}; run `qualcode init` first (or pass --db / set QUALCODE_DB)"
        )
    if path.is_dir():
        raise NotAProjectError(f"{path} is a folder; pass --db with a project file")
    _check_is_sqlite(path)
    db = _connect(path)
    if not db.table_names():  # an empty file: an interrupted init, or one made by hand
        db.close()
        raise NotAProjectError(f"{path} is empty, not yet a project; run `qualcode init` to make it one")
    if not _is_qualcode(db):
        db.close()
        raise NotAProjectError(
            f"{path} is not a qualcode project (no qualcode tables); run `qualcode init` "
            "with a new --db path"
        )
    _guard(db, path)
    return db


def _guard(db: "Database", path: Path) -> None:
    """Migrate the project, unless a newer qualcode wrote it: then open it read-only."""
    from qualcode import __version__
    from qualcode.store.migrations import migrate, newer_migrations

    _opened.path, _opened.newer = path, None
    unknown = newer_migrations(db)
    if not unknown:
        migrate(db, version=__version__)
        return
    row = db.execute("SELECT value FROM meta WHERE key = ?", [VERSION_KEY]).fetchone() \
        if "meta" in db.table_names() else None
    by = f"qualcode {row[0]}" if row and row[0] else "a newer qualcode"
    _opened.newer = (f"{path} was last upgraded by {by} (schema {unknown[-1]}), which this qualcode {__version__} "
                     "does not know; it can read the project but not change it: upgrade qualcode "
                     "(pip install -U qualcode); the project is unchanged")
    db.execute("PRAGMA query_only = ON")


def explain_database_error(exc: Exception) -> str | None:
    """One line for an SQLite error caused by the file's conditions (read-only, disk full,
    cannot open), or None for anything else (a bug: let it surface)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    where = str(_opened.path) if _opened.path is not None else "the project"
    if name.startswith("SQLITE_READONLY"):
        if _opened.newer:
            return _opened.newer
        return (f"{where} is read-only, so this command changed nothing (the project is intact); make the "
                f"file and its folder writable (chmod u+w) or copy the project to a folder you can write to")
    if name == "SQLITE_FULL":
        return (f"the disk is full (writing {where}); nothing from this command was saved and the project "
                "is intact; free some space and run the command again")
    if name.startswith("SQLITE_CANTOPEN"):
        return (f"cannot open {where}; check that its folder exists and that you may read and write the "
                "file and its folder (SQLite writes -wal and -shm files beside it)")
    if name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB":
        return (f"a database file this command read is damaged ({exc}); nothing was changed; if it is the "
                f"project ({where}), restore it from a backup (or try `sqlite3 {where} .recover`)")
    if name.startswith("SQLITE_IOERR"):
        return (f"the disk reported an error while using {where} ({exc}); nothing from this command was "
                "saved; check the disk (and free space), then run the command again")
    return None


def _is_qualcode(db: "Database") -> bool:
    from qualcode.store.migrations import MIGRATION_SET, MIGRATIONS_TABLE

    if MIGRATIONS_TABLE not in db.table_names():
        return False
    row = db.execute(
        f"SELECT count(*) FROM [{MIGRATIONS_TABLE}] WHERE migration_set = ?", [MIGRATION_SET]
    ).fetchone()
    return bool(row[0])


@contextlib.contextmanager
def transaction(db: "Database") -> Iterator["Database"]:
    """One write command = one transaction: everything inside lands, or nothing does."""
    with db.atomic():
        yield db
