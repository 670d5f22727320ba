"""Opening a project: the one place that connects to the database.

A project is one SQLite file (WAL mode). :func:`open_project` refuses files that are not
qualcode projects, applies pending migrations on every open, and returns a
``sqlite_utils.Database``. :func:`transaction` is the single transaction helper: every write
command runs inside one, so it lands whole or not at all.

``sqlite_utils`` is imported lazily: it costs ~0.2 s, and ``qualcode --help`` must stay fast.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from qualcode.errors import NotAProjectError, QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

DEFAULT_DB = "qualcode.db"
SQLITE_MAGIC = b"SQLite format 3\x00"


def resolve_db_path(db: str | None) -> Path:
    """The project path: ``--db``, else ``$QUALCODE_DB``, else ``./qualcode.db``."""
    return Path(db or os.environ.get("QUALCODE_DB") or DEFAULT_DB)


def _connect(path: Path) -> "Database":
    import sqlite_utils

    try:
        conn = sqlite3.connect(str(path))
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA foreign_keys = ON")
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            with db.ensure_autocommit_on():
                db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.DatabaseError as exc:
        raise NotAProjectError(
            f"{path} is not a qualcode project ({exc}); pass --db with the right file"
        ) from None
    return db


def _check_is_sqlite(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(16)
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
    from qualcode.store.migrations import migrate

    migrate(db)
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
    if not _is_qualcode(db):
        db.close()
        raise NotAProjectError(
            f"{path} is not a qualcode project (no qualcode tables); run `qualcode init` "
            "with a new --db path"
        )
    from qualcode.store.migrations import migrate

    migrate(db)
    return db


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
