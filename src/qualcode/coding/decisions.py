"""Accepting, rejecting and manually applying codes. Every decision names its coder and
is written to the ``events`` audit trail in the same transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.coding.common import now, require_codes, require_sources
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class DecisionFilter:
    codes: list[str]
    sources: list[str]
    min_score: float | None = None
    max_score: float | None = None


def _where(db: "Database", flt: DecisionFilter) -> tuple[str, list[object]]:
    clauses = ["origin = 'suggest'", "status = 'suggested'"]
    params: list[object] = []
    codes = require_codes(db, flt.codes)
    if codes:
        clauses.append(f"code_id IN ({','.join('?' * len(codes))})")
        params += codes
    source_ids = require_sources(db, flt.sources)
    if source_ids:
        clauses.append(f"source_id IN ({','.join('?' * len(source_ids))})")
        params += source_ids
    if flt.min_score is not None:
        clauses.append("score >= ?")
        params.append(flt.min_score)
    if flt.max_score is not None:
        clauses.append("score <= ?")
        params.append(flt.max_score)
    return " AND ".join(clauses), params


def decide(db: "Database", status: str, flt: DecisionFilter, *, coder: str) -> int:
    """Set every pending suggestion matching ``flt`` to ``status`` (accepted or rejected).
    Returns how many changed. One transaction."""
    if status not in ("accepted", "rejected"):
        raise ValueError(status)
    where, params = _where(db, flt)
    at = now()
    with db.atomic():
        db.execute(
            "INSERT INTO events (at, actor, action, coding_id, from_status, to_status, detail) "
            f"SELECT ?, ?, ?, id, status, ?, '{{}}' FROM codings WHERE {where}",
            [at, coder, "accept" if status == "accepted" else "reject", status, *params],
        )
        cursor = db.execute(
            f"UPDATE codings SET status = ?, coder = ?, decided_at = ? WHERE {where}",
            [status, coder, at, *params],
        )
    return int(cursor.rowcount)


@dataclass
class ManualResult:
    coding_id: int
    action: str  # created | accepted-suggestion | already


def code_segment(db: "Database", segment_id: int, code_id: str, *, coder: str) -> ManualResult:
    """Apply ``code_id`` to a whole segment as ``coder``. A pending suggestion for the same
    (segment, code) is accepted rather than duplicated."""
    require_codes(db, [code_id])
    seg = db.execute("SELECT source_id, start, end FROM segments WHERE id = ?", [segment_id]).fetchone()
    if seg is None:
        raise QualcodeError(f"no segment with id {segment_id}; segment ids are shown by `qualcode report quotes` "
                            "and `qualcode segments`")
    at = now()
    with db.atomic():
        done = db.execute(
            "SELECT id FROM codings WHERE segment_id = ? AND code_id = ? AND status = 'accepted' AND coder = ?",
            [segment_id, code_id, coder]).fetchone()
        if done is not None:
            return ManualResult(int(done[0]), "already")
        pending = db.execute(
            "SELECT id, status FROM codings WHERE segment_id = ? AND code_id = ? AND origin = 'suggest' "
            "AND status != 'accepted'", [segment_id, code_id]).fetchone()
        if pending is not None:
            db.execute("UPDATE codings SET status = 'accepted', coder = ?, decided_at = ? WHERE id = ?",
                       [coder, at, pending[0]])
            _event(db, at, coder, "code", int(pending[0]), pending[1], "accepted")
            return ManualResult(int(pending[0]), "accepted-suggestion")
        cursor = db.execute(
            "INSERT INTO codings (source_id, segment_id, code_id, start, end, coder, status, origin, method, "
            "score, evidence, created_at, decided_at) VALUES (?, ?, ?, ?, ?, ?, 'accepted', 'manual', 'manual', "
            "NULL, '[]', ?, ?)", [seg[0], segment_id, code_id, seg[1], seg[2], coder, at, at])
        coding_id = int(cursor.lastrowid or 0)
        _event(db, at, coder, "code", coding_id, None, "accepted")
    return ManualResult(coding_id, "created")


def _event(db: "Database", at: str, actor: str, action: str, coding_id: int,
           from_status: str | None, to_status: str) -> None:
    db.execute(
        "INSERT INTO events (at, actor, action, coding_id, from_status, to_status, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", [at, actor, action, coding_id, from_status, to_status, json.dumps({})])
