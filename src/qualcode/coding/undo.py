"""Undo: put the project back exactly as it was before a decision.

A decision is one ``batch`` of events (``accept``, ``reject``, ``code``, ``uncode``, an
"accept all" in the review, a bulk ``accept``). Imports and merges are recorded too, but
not undone. Each event's detail holds the coding's state
before it (or ``created``), so undoing restores the codings rows and removes the batch's
events: afterwards the project is identical to what it was before the decision, as if a
mistyped key had never been pressed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

UNDOABLE = ("accept", "reject", "code", "uncode")


@dataclass
class UndoResult:
    batch: str
    action: str
    codings: list[int]


def last_batch(db: "Database", coder: str) -> str | None:
    """The most recent decision by ``coder``; refuses when that was an import or a merge
    (bulk changes are not undone behind the researcher's back by a later `undo`)."""
    row = db.execute("SELECT batch, action FROM events WHERE actor = ? AND batch IS NOT NULL "
                     "ORDER BY id DESC LIMIT 1", [coder]).fetchone()
    if row is None:
        return None
    if row[1] not in UNDOABLE:
        raise QualcodeError(f"{coder}'s last change was an {row[1]}, which undo does not reverse; "
                            "`qualcode log` shows what it did")
    return str(row[0])


def undo_batch(db: "Database", batch: str) -> UndoResult:
    """Restore every coding the batch touched and delete its events (inside the caller's
    transaction)."""
    rows = db.execute("SELECT id, action, coding_id, detail FROM events WHERE batch = ? ORDER BY id DESC",
                      [batch]).fetchall()
    if not rows:
        raise QualcodeError("that decision is not in the project any more; nothing to undo")
    ids: list[int] = []
    for event_id, _action, coding_id, detail_json in rows:
        detail = json.loads(detail_json)
        if detail.get("created"):
            db.execute("DELETE FROM memos WHERE target_type = 'coding' AND target_id = ?", [str(coding_id)])
            db.execute("DELETE FROM codings WHERE id = ?", [coding_id])
        else:
            before = detail["before"]
            db.execute("UPDATE codings SET status = ?, coder = ?, decided_at = ? WHERE id = ?",
                       [before["status"], before["coder"], before["decided_at"], coding_id])
        db.execute("DELETE FROM events WHERE id = ?", [event_id])
        ids.append(int(coding_id))
    return UndoResult(batch, str(rows[-1][1]), sorted(ids))


def undo_last(db: "Database", *, coder: str) -> UndoResult:
    """Undo ``coder``'s most recent decision, in one transaction."""
    with db.atomic():
        batch = last_batch(db, coder)
        if batch is None:
            raise QualcodeError(f"{coder} has no decision to undo; `qualcode log --by {coder}` shows the history")
        return undo_batch(db, batch)
