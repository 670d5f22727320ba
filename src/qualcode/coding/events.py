"""The audit trail: every decision, who made it, when, and from which state.

Rows of ``events`` joined to their coding (code, source, segment) for ``qualcode log``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.coding.common import add_in, require_codes, require_sources
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class Event:
    id: int
    at: str
    actor: str | None
    action: str
    coding_id: int | None
    from_status: str | None
    to_status: str | None
    code_id: str | None
    source: str | None
    segment_id: int | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class EventFilter:
    actors: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    coding_id: int | None = None
    since: str | None = None  # ISO date or time; events at or after it
    limit: int | None = None  # the most recent N


def _since(value: str) -> str:
    """An ISO date or date-time, normalised to how events store time (UTC, 'T' separator)."""
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise QualcodeError(f"--since {value!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when.isoformat(timespec="seconds")


def list_events(db: "Database", flt: EventFilter | None = None) -> list[Event]:
    """Events oldest first (the most recent ``limit`` of them when a limit is given)."""
    flt = flt or EventFilter()
    clauses: list[str] = []
    params: list[Any] = []
    add_in("e.actor", flt.actors, clauses, params)
    add_in("e.action", flt.actions, clauses, params)
    add_in("c.code_id", require_codes(db, flt.codes), clauses, params)
    add_in("c.source_id", require_sources(db, flt.sources), clauses, params)
    if flt.coding_id is not None:
        clauses.append("e.coding_id = ?")
        params.append(flt.coding_id)
    if flt.since:
        clauses.append("e.at >= ?")
        params.append(_since(flt.since))
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = ("SELECT e.id, e.at, e.actor, e.action, e.coding_id, e.from_status, e.to_status, c.code_id, "
           "src.name, c.segment_id, e.detail FROM events e LEFT JOIN codings c ON c.id = e.coding_id "
           f"LEFT JOIN sources src ON src.id = c.source_id {where} ORDER BY e.id DESC")
    if flt.limit is not None:
        sql += f" LIMIT {int(flt.limit)}"
    rows = db.execute(sql, params).fetchall()
    return [Event(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], json.loads(r[10] or "{}"))
            for r in reversed(rows)]


def describe(event: Event) -> str:
    """One line for people: what the event did."""
    d = event.detail
    if event.coding_id is not None:
        where = f"{event.code_id} on segment {event.segment_id}" if event.segment_id else f"{event.code_id}"
        change = f"{event.from_status or 'new'} → {event.to_status}"
        src = f" ({event.source})" if event.source else ""
        return f"coding {event.coding_id}: {where}{src}, {change}"
    if event.action == "codebook-load":
        parts = [f"{len(d.get(k, []))} {k}" for k in ("added", "changed", "removed", "renamed", "merged") if d.get(k)]
        return f"codebook version {d.get('version')}" + (": " + ", ".join(parts) if parts else "")
    return ", ".join(f"{k}={v}" for k, v in d.items() if not isinstance(v, (list, dict)))
