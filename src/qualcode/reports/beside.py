"""A read-only query run beside the report's own reads: on a second connection to the same
project file, in a thread, so that SQLite works on the second core meanwhile (the sqlite3
module lets go of the GIL while SQLite steps through rows).

A report at a million codings spends most of its time in two or three big aggregate queries
(every coding's segment, the segment table, the units), which do not depend on each other.
Run one beside the other and the report takes the time of the longer one, not of both.

It is never worth a wrong answer, so the query runs on the report's own connection, when it
is asked for, whenever a second connection could see something else or cannot be had:

- the connection is inside a transaction (its writes are not committed: another connection
  would not see them);
- the database is not a file (``:memory:``, a temporary database);
- the machine has one core, or this SQLite was built for one thread;
- the file cannot be opened or read there (a read-only folder without the WAL's
  shared-memory file, say).

Each query is, like every read in an SQLite connection outside a transaction, a snapshot of
its own, as the report's queries already were one by one.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from sqlite_utils import Database

Rows = list[tuple[Any, ...]]


def _file(db: "Database") -> str | None:
    """The main database's file, or None (in memory, temporary)."""
    for _seq, name, path in db.execute("PRAGMA database_list"):
        if name == "main":
            return path or None
    return None


def _second_connection(db: "Database") -> sqlite3.Connection | None:
    if db.conn.in_transaction or (os.cpu_count() or 1) < 2 or sqlite3.threadsafety == 0:  # 0: one thread only
        return None
    path = _file(db)
    if path is None:
        return None
    try:
        # A URI, percent-encoded: a '?', '#' or '%' in a folder's name stays part of the path.
        conn = sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        return conn
    except sqlite3.Error:
        return None


class Beside:
    """``Beside(db, sql, params)`` starts the query; :meth:`rows` waits for it and gives its
    rows (or raises what it raised). Falls back to running it on ``db`` in :meth:`rows`."""

    def __init__(self, db: "Database", sql: str, params: Sequence[Any] = ()) -> None:
        self._db, self._sql, self._params = db, sql, list(params)
        self._rows: Rows | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        conn = _second_connection(db)
        if conn is not None:
            # A daemon: a report interrupted with Ctrl-C does not wait for the query to end.
            self._thread = threading.Thread(target=self._run, args=(conn,), daemon=True,
                                            name="qualcode-read-beside")
            self._thread.start()

    def _run(self, conn: sqlite3.Connection) -> None:
        try:
            self._rows = conn.execute(self._sql, self._params).fetchall()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in rows()
            self._error = exc
        finally:
            conn.close()

    def rows(self) -> Rows:
        if self._thread is None:
            return self._db.execute(self._sql, self._params).fetchall()
        self._thread.join()
        if isinstance(self._error, sqlite3.Error):  # the second connection failed: read it here
            return self._db.execute(self._sql, self._params).fetchall()
        if self._error is not None:
            raise self._error
        assert self._rows is not None
        return self._rows
