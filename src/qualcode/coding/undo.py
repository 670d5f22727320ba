"""Undo: put the project back exactly as it was before a decision.

A decision is one ``batch`` of events (``accept``, ``reject``, ``code``, ``uncode``, an
"accept all" in the review, a bulk ``accept``). Imports and merges are recorded too, but
not undone. Each event's detail holds the coding's state
before it (or ``created``), so undoing restores the codings rows and removes the batch's
events: afterwards the project is identical to what it was before the decision, as if a
mistyped key had never been pressed. Undo is refused (nothing changes) when someone changed
one of those codings after the decision: putting it back would overwrite their decision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.coding import ledger
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

UNDOABLE = ("accept", "reject", "code", "uncode", "fold",  # a fold is part of an accept
            "reconcile",  # review --disagreements: the consensus coder's decision and its memo
            # A codebook edit (`codebook add|move|rename|describe`, a code created while coding):
            # the version it stored and the codes rows as they were (qualcode.codebook.edit).
            "codebook-load", "codebook-edit")


@dataclass
class UndoResult:
    batch: str
    action: str
    codings: list[int]


def last_batch(db: "Database", coder: str) -> str | None:
    """The most recent decision by ``coder``; refuses when that was an import or a merge
    (bulk changes are not undone behind the researcher's back by a later `undo`)."""
    row = db.execute("SELECT batch FROM events WHERE actor = ? AND batch IS NOT NULL "
                     "ORDER BY id DESC LIMIT 1", [coder]).fetchone()
    if row is None:
        return None
    actions = [r[0] for r in db.execute("SELECT DISTINCT action FROM events WHERE batch = ?", [row[0]])]
    other = [a for a in actions if a not in UNDOABLE]
    if other:
        raise QualcodeError(f"{coder}'s last change was an {other[0]}, which undo does not reverse; "
                            "`qualcode log` shows what it did")
    return str(row[0])


def undo_batch(db: "Database", batch: str) -> UndoResult:
    """Restore every coding the batch touched and delete its events (inside the caller's
    transaction)."""
    rows = db.execute("SELECT id, action, coding_id, detail, to_status FROM events WHERE batch = ? ORDER BY id DESC",
                      [batch]).fetchall()
    if not rows:
        raise QualcodeError("that decision is not in the project any more; nothing to undo")
    ids: list[int] = []
    edit = ""
    for _event_id, action, coding_id, detail_json, to_status in rows:
        if action == "codebook-edit":
            from qualcode.codebook.edit import revert_edit

            detail = json.loads(detail_json)
            revert_edit(db, detail)
            edit = f"codebook {detail.get('edit', 'edit')}"
        elif coding_id is not None:
            ledger.restore(db, int(coding_id), json.loads(detail_json), to_status)
            ids.append(int(coding_id))
    ledger.delete_events(db, [int(r[0]) for r in rows])
    coding_actions = [str(r[1]) for r in reversed(rows) if r[1] not in ("fold", "codebook-load", "codebook-edit")]
    action = " + ".join([*([edit] if edit else []), *coding_actions[:1]]) or "accept"
    return UndoResult(batch, action, sorted(set(ids)))


def undo_last(db: "Database", *, coder: str) -> UndoResult:
    """Undo ``coder``'s most recent decision, in one write transaction."""
    with ledger.write_transaction(db):
        batch = last_batch(db, coder)
        if batch is None:
            raise QualcodeError(f"{coder} has no decision to undo; `qualcode log --by {coder}` shows the history")
        return undo_batch(db, batch)
