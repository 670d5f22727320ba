"""Listing codings with their ids, for the commands that name one (uncode, memo)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qualcode.coding.common import add_in, require_codes, require_sources
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

STATUSES = ("accepted", "suggested", "rejected", "removed")


@dataclass
class CodingFilter:
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    segment_id: int | None = None
    statuses: list[str] = field(default_factory=lambda: ["accepted"])
    coder: str | None = None
    limit: int | None = None  # at most this many (the first in listing order)


@dataclass
class CodingRow:
    id: int
    source: str
    segment_id: int | None
    code_id: str
    coder: str | None
    status: str
    origin: str
    start: int
    end: int
    score: float | None


def list_codings(db: "Database", flt: CodingFilter) -> list[CodingRow]:
    for status in flt.statuses:
        if status not in STATUSES:
            raise QualcodeError(f"unknown status '{status}'; choose from {', '.join(STATUSES)}")
    clauses = [f"c.status IN ({','.join('?' * len(flt.statuses))})"]
    params: list[object] = list(flt.statuses)
    add_in("c.code_id", require_codes(db, flt.codes), clauses, params)
    add_in("c.source_id", require_sources(db, flt.sources), clauses, params)
    if flt.segment_id is not None:
        # also a coding across turns that touches the segment (segment_id NULL, its span overlaps)
        # (two indexed lookups: an OR of them would read every coding)
        clauses.append("c.id IN (SELECT id FROM codings WHERE segment_id = ? UNION ALL SELECT x.id FROM codings x "
                       "JOIN segments o ON o.id = ? WHERE x.segment_id IS NULL AND x.source_id = o.source_id "
                       "AND x.start < o.end AND x.end > o.start)")
        params += [flt.segment_id, flt.segment_id]
    if flt.coder is not None:
        clauses.append("c.coder = ?")
        params.append(flt.coder)
    rows = db.execute(
        "SELECT c.id, src.name, c.segment_id, c.code_id, c.coder, c.status, c.origin, c.start, c.end, c.score "
        f"FROM codings c JOIN sources src ON src.id = c.source_id WHERE {' AND '.join(clauses)} "
        "ORDER BY src.name, c.start, c.code_id, c.id" + ("" if flt.limit is None else f" LIMIT {int(flt.limit)}"),
        params).fetchall()
    return [CodingRow(*r) for r in rows]
