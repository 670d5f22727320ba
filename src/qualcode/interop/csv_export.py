"""Codings as a spreadsheet (CSV), one row per coding.

The columns are the ones ``qualcode import codings FILE.csv`` reads back: ``source`` (name),
``segment`` (id, empty when the coding spans several segments), ``quote`` (the exact coded
words), ``code`` (id), ``coder``, ``status``, ``start`` and ``end`` (qualcode offsets), and
``memo`` (the coding's memos, joined by blank lines). Accepted codings only unless asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from qualcode.render.tabular import Table

COLUMNS = ("source", "segment", "quote", "code", "coder", "status", "start", "end", "memo")
STATUSES = ("accepted", "suggested", "rejected")


def codings_csv(db: "Database", statuses: list[str] | None = None) -> tuple[str, int]:
    """The CSV text and its number of rows."""
    from qualcode.render.tabular import to_csv

    table = codings_table(db, statuses)
    return to_csv(table), len(table.rows)


def codings_table(db: "Database", statuses: list[str] | None = None) -> "Table":
    """One row per coding, in the columns ``import codings`` reads back."""
    from qualcode.render.tabular import Table

    wanted = statuses or ["accepted"]
    for status in wanted:
        if status not in STATUSES:
            raise QualcodeError(f"unknown status '{status}'; choose from {', '.join(STATUSES)}")
    marks = ",".join("?" * len(wanted))
    rows = db.execute(
        "SELECT src.name, c.segment_id, substr(src.text, c.start + 1, c.end - c.start), c.code_id, c.coder, "
        "c.status, c.start, c.end, (SELECT group_concat(m.text, char(10) || char(10)) FROM memos m "
        "WHERE m.target_type = 'coding' AND m.target_id = CAST(c.id AS TEXT)) "
        f"FROM codings c JOIN sources src ON src.id = c.source_id WHERE c.status IN ({marks}) "
        "ORDER BY src.name, c.start, c.end, c.code_id, c.coder, c.id", wanted).fetchall()
    return Table("Codings", list(COLUMNS), [["" if v is None else v for v in r] for r in rows])
