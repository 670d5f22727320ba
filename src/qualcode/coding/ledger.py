"""The ledger: the only code that writes the ``codings``, ``events`` and ``memos`` tables.

Every command that creates, decides, moves or restores a coding, records an event or stores
a memo does it through these functions, so the project's rules live in one place:

- **One coding per segment, span, code and coder.** Among *live* codings (status
  ``accepted``: what reports, exports and agreement count) a coder applies a code to a span
  of a source at most once; the span lies in one segment, so this is "per segment, span,
  code and coder". Rejected and removed codings are the history of decisions and may repeat;
  pending suggestions have their own rule (one per segment and code, ``origin = 'suggest'``).
  A write that would make a second live coding *folds* instead: the new coding is not made
  (:func:`add_coding` returns the one already there), or an existing one that would become a
  twin (an accepted suggestion, a code merged into another) is set to ``removed`` with a
  ``fold`` event naming the coding it was folded into, and its memos move there. The unique
  index ``codings_one_coding`` (migration m008) makes a twin impossible even for code that
  forgets this module.
- **Decisions re-check state.** :func:`set_status` changes only codings still in the state
  the caller saw (``expect``), inside the caller's :func:`write_transaction`, and reports the
  others as :class:`Conflict` rows: a second writer never overwrites a first one's decision.
- **Every change is an event**, grouped by ``batch`` so that undo restores one decision.

:func:`write_transaction` is ``BEGIN IMMEDIATE``: it takes the project's write lock *before*
the command reads the state it decides on, so no other writer can commit in between.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from qualcode.coding.common import new_batch, now
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

# How long a writer waits for another one to finish before "the project is busy" (ms).
# A suggest over a million words holds the lock for a few seconds while it stores its rows.
BUSY_TIMEOUT_MS = 30_000

# The live-coding key, as the unique index m008 spells it (NULL coders compare equal).
_TWIN = ("SELECT id FROM codings WHERE source_id = ? AND code_id = ? AND ifnull(coder, '') = ifnull(?, '') "
         "AND start = ? AND end = ? AND status = 'accepted' AND id IS NOT ? ORDER BY id LIMIT 1")


@contextlib.contextmanager
def write_transaction(db: "Database") -> Iterator["Database"]:
    """One read-decide-write sequence: takes the write lock first (``BEGIN IMMEDIATE``), so
    what the block reads is still true when it writes. Nested, it is a savepoint of the
    enclosing write transaction."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


# Events -------------------------------------------------------------------------------------
def record_event(db: "Database", *, actor: str | None, action: str, coding_id: int | None = None,
                 from_status: str | None = None, to_status: str | None = None,
                 detail: dict[str, Any] | None = None, batch: str | None = None, at: str | None = None) -> int:
    """One line of the audit trail (inside the decision's transaction); returns its id."""
    cursor = db.execute(
        "INSERT INTO events (at, actor, action, coding_id, from_status, to_status, detail, batch) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [at or now(), actor, action, coding_id, from_status, to_status,
         json.dumps(detail or {}, ensure_ascii=False), batch])
    return int(cursor.lastrowid or 0)


def delete_events(db: "Database", event_ids: Iterable[int]) -> None:
    """Remove events of a decision that undo reversed (it is as if it had never been made)."""
    db.conn.executemany("DELETE FROM events WHERE id = ?", [(i,) for i in event_ids])


# Codings ------------------------------------------------------------------------------------
@dataclass
class NewCoding:
    source_id: int
    segment_id: int | None
    code_id: str
    start: int
    end: int
    coder: str | None
    status: str  # accepted | rejected | removed (suggestions go through add_suggestions)
    origin: str  # manual | import | merge
    method: str
    score: float | None = None
    evidence: str = "[]"
    created_at: str | None = None
    decided_at: str | None = None


@dataclass
class Added:
    coding_id: int
    created: bool  # False: that coder already had this coding; the new one folded into it


def live_twin(db: "Database", source_id: int, code_id: str, coder: str | None, start: int, end: int,
              *, besides: int | None = None) -> int | None:
    """The live coding with this key (other than ``besides``), if there is one."""
    row = db.execute(_TWIN, [source_id, code_id, coder, start, end, besides]).fetchone()
    return None if row is None else int(row[0])


def add_coding(db: "Database", new: NewCoding, *, actor: str | None, action: str, batch: str | None = None,
               detail: dict[str, Any] | None = None, event: bool = True) -> Added:
    """Store a decided coding (inside a write transaction) and its event, unless the coder
    already has the same live coding: then nothing is written and that one is returned."""
    if new.status == "accepted":
        twin = live_twin(db, new.source_id, new.code_id, new.coder, new.start, new.end)
        if twin is not None:
            return Added(twin, False)
    at = now()
    cursor = db.execute(
        "INSERT INTO codings (source_id, segment_id, code_id, start, end, coder, status, origin, method, score, "
        "evidence, created_at, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [new.source_id, new.segment_id, new.code_id, new.start, new.end, new.coder, new.status, new.origin,
         new.method, new.score, new.evidence, new.created_at or at, new.decided_at or at])
    coding_id = int(cursor.lastrowid or 0)
    if event:
        record_event(db, actor=actor, action=action, coding_id=coding_id, to_status=new.status,
                     detail={"created": True, **(detail or {})}, batch=batch, at=at)
    return Added(coding_id, True)


def note_fold(db: "Database", into: int, *, actor: str | None, detail: dict[str, Any],
              batch: str | None = None) -> None:
    """Record that an incoming coding (a row of an import or merge) was the same as coding
    ``into`` and was folded into it rather than stored twice."""
    record_event(db, actor=actor, action="fold", coding_id=into, from_status="accepted", to_status="accepted",
                 detail={"duplicate": detail}, batch=batch)


def state(db: "Database", coding_id: int) -> dict[str, Any]:
    """A coding's decision state: what undo needs to put it back exactly."""
    row = db.execute("SELECT status, coder, decided_at FROM codings WHERE id = ?", [coding_id]).fetchone()
    if row is None:
        raise QualcodeError(f"no coding with id {coding_id}; run `qualcode codings` to list coding ids")
    return {"status": row[0], "coder": row[1], "decided_at": row[2]}


def fold(db: "Database", coding_id: int, into: int, *, actor: str | None, batch: str | None = None,
         at: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Retire ``coding_id`` as a twin of ``into``: status ``removed``, its memos moved to
    ``into``, and a ``fold`` event that undo can reverse."""
    before = state(db, coding_id)
    at = at or now()
    memos = [int(r[0]) for r in db.execute("SELECT id FROM memos WHERE target_type = 'coding' AND target_id = ?",
                                           [str(coding_id)]).fetchall()]
    db.execute("UPDATE codings SET status = 'removed', decided_at = ? WHERE id = ?", [at, coding_id])
    if memos:
        db.execute("UPDATE memos SET target_id = ? WHERE target_type = 'coding' AND target_id = ?",
                   [str(into), str(coding_id)])
    record_event(db, actor=actor, action="fold", coding_id=coding_id, from_status=before["status"],
                 to_status="removed", detail={"before": before, "into": into, "memos": memos, **(detail or {})},
                 batch=batch, at=at)


@dataclass
class Conflict:
    """A coding that was no longer as the caller saw it: someone decided it meanwhile."""
    coding_id: int
    code_id: str
    segment_id: int | None
    status: str
    coder: str | None


@dataclass
class Decided:
    batch: str
    changed: list[int] = field(default_factory=list)
    folded: list[int] = field(default_factory=list)  # accepted as the coder's existing twin
    conflicts: list[Conflict] = field(default_factory=list)


def set_status(db: "Database", coding_ids: list[int], status: str, *, coder: str, action: str,
               batch: str | None = None, expect: tuple[str, ...] | None = None, bulk: bool = False) -> Decided:
    """Decide codings (inside the caller's write transaction). With ``expect``, a coding
    whose status is no longer one of those is left alone and reported as a conflict.
    Accepting a coding whose twin the coder already has folds it into that twin. ``bulk``:
    decided by a filter (``accept --min-score``), not by someone reading the turn; the event
    says so (:func:`bulk_decided`)."""
    out = Decided(batch or new_batch())
    at = now()
    for coding_id in coding_ids:
        row = db.execute("SELECT status, coder, decided_at, code_id, segment_id, source_id, start, end "
                         "FROM codings WHERE id = ?", [coding_id]).fetchone()
        if row is None and expect is not None:  # a pending suggestion that suggest withdrew meanwhile
            out.conflicts.append(Conflict(coding_id, "", None, "withdrawn", None))
            continue
        if row is None:
            raise QualcodeError(f"no coding with id {coding_id}; run `qualcode codings` to list coding ids")
        before = {"status": row[0], "coder": row[1], "decided_at": row[2]}
        if expect is not None and row[0] not in expect:
            out.conflicts.append(Conflict(coding_id, row[3], row[4], row[0], row[1]))
            continue
        if status == "accepted":
            twin = live_twin(db, row[5], row[3], coder, row[6], row[7], besides=coding_id)
            if twin is not None:
                fold(db, coding_id, twin, actor=coder, batch=out.batch, at=at, detail={"by": action})
                out.folded.append(coding_id)
                continue
        # Removing keeps who made the coding; the event records who removed it.
        who = before["coder"] if status == "removed" else coder
        db.execute("UPDATE codings SET status = ?, coder = ?, decided_at = ? WHERE id = ?",
                   [status, who, at, coding_id])
        record_event(db, actor=coder, action=action, coding_id=coding_id, from_status=before["status"],
                     to_status=status, detail={"before": before, **({"bulk": True} if bulk else {})},
                     batch=out.batch, at=at)
        out.changed.append(coding_id)
    return out


def bulk_decided(db: "Database") -> set[int]:
    """The codings whose standing decision was made in bulk: their last event that set a
    status is a bulk one (a later review, reconciliation or re-decision replaces it; undo
    deletes it)."""
    return {coding_id for (coding_id,) in db.execute(
        "SELECT e.coding_id FROM events e WHERE e.detail LIKE '%\"bulk\"%' AND json_extract(e.detail, '$.bulk') = 1 "
        "AND e.id = (SELECT max(x.id) FROM events x WHERE x.coding_id = e.coding_id AND x.to_status IS NOT NULL)")}


def learned_from(bulk: set[int]) -> tuple[str, list[Any]]:
    """The codings suggest learns from, as a WHERE clause on ``codings`` and its parameters
    (``bulk``: :func:`bulk_decided`): the decisions on turns someone decided on by reading
    them (in review, by hand, by import or merge). A bulk decision counts only on a turn
    someone also read: alone it is the tool's own scores handed back, and it says nothing
    about the codes nobody looked at (learning from it, accepting the demo's 27 best
    suggestions withdrew 135 of the other 160). The one rule for suggest's labels and
    review's note on them."""
    where = "status IN ('accepted', 'rejected') AND segment_id IS NOT NULL"
    if not bulk:
        return where, []
    return (f"{where} AND segment_id IN (SELECT segment_id FROM codings WHERE status IN ('accepted', 'rejected') "
            "AND id NOT IN (SELECT value FROM json_each(?)))", [json.dumps(sorted(bulk))])


def restore(db: "Database", coding_id: int, event: dict[str, Any], to_status: str | None) -> None:
    """Undo one event on a coding: delete a coding the event created (with its memos), or
    put back its state before. Refuses when someone changed the coding since (its status is
    no longer what the event left) or when the restored coding would be a live twin."""
    row = db.execute("SELECT status, coder, source_id, code_id, start, end FROM codings WHERE id = ?",
                     [coding_id]).fetchone()
    if row is None:
        return
    if to_status is not None and row[0] != to_status:
        last = db.execute("SELECT actor FROM events WHERE coding_id = ? ORDER BY id DESC LIMIT 1",
                          [coding_id]).fetchone()
        who = last[0] if last and last[0] else "someone"
        raise QualcodeError(f"coding {coding_id} was changed after that decision ({who} made it {row[0]}); undo "
                            f"would overwrite it. `qualcode log --coding {coding_id}` shows its history")
    if event.get("created"):
        db.execute("DELETE FROM memos WHERE target_type = 'coding' AND target_id = ?", [str(coding_id)])
        db.execute("DELETE FROM codings WHERE id = ?", [coding_id])
        return
    before = event.get("before")
    if before is None:  # a note about an incoming duplicate: nothing on the coding to put back
        return
    if before["status"] == "accepted":
        twin = live_twin(db, row[2], row[3], before["coder"], row[4], row[5], besides=coding_id)
        if twin is not None:
            raise QualcodeError(f"undo would make coding {coding_id} a second copy of coding {twin} (same span, "
                                "code and coder); remove that one first with `qualcode uncode --coding ID`")
    db.execute("UPDATE codings SET status = ?, coder = ?, decided_at = ? WHERE id = ?",
               [before["status"], before["coder"], before["decided_at"], coding_id])
    if event.get("memos"):
        db.conn.executemany("UPDATE memos SET target_id = ? WHERE id = ?",
                            [(str(coding_id), m) for m in event["memos"]])


def move_code(db: "Database", old: str, new: str, *, actor: str | None, detail: dict[str, Any]) -> tuple[int, int]:
    """Give every coding of code ``old`` to ``new`` (inside a write transaction), one
    ``recode`` event each. Where both codes were applied to the same span by the same
    coder, the moved coding folds into the other. Pending machine suggestions are one per
    (segment, code): where both codes were suggested for a segment, a pending one gives way
    to the other (it was never a decision), and two decided ones are both kept, the moved
    one with origin ``codebook-merge``. Returns (moved, folded)."""
    conflicts = db.execute(
        "SELECT a.id, a.status, b.id, b.status FROM codings a JOIN codings b ON b.segment_id = a.segment_id "
        "AND b.code_id = ? AND b.origin = 'suggest' WHERE a.code_id = ? AND a.origin = 'suggest'",
        [new, old]).fetchall()
    for a_id, a_status, b_id, b_status in conflicts:
        if a_status == "suggested":
            db.execute("DELETE FROM codings WHERE id = ?", [a_id])
        elif b_status == "suggested":
            db.execute("DELETE FROM codings WHERE id = ?", [b_id])
        else:
            db.execute("UPDATE codings SET origin = 'codebook-merge' WHERE id = ?", [a_id])
    twins = db.execute(
        "SELECT a.id, b.id FROM codings a JOIN codings b ON b.code_id = ? AND b.source_id = a.source_id "
        "AND b.start = a.start AND b.end = a.end AND ifnull(b.coder, '') = ifnull(a.coder, '') "
        "AND b.status = 'accepted' WHERE a.code_id = ? AND a.status = 'accepted'", [new, old]).fetchall()
    at = now()
    for a_id, b_id in twins:
        fold(db, int(a_id), int(b_id), actor=actor, at=at, detail=detail)
    text = json.dumps(detail)
    db.execute(
        "INSERT INTO events (at, actor, action, coding_id, from_status, to_status, detail) "
        "SELECT ?, ?, 'recode', id, status, status, ? FROM codings WHERE code_id = ?", [at, actor, text, old])
    moved = db.execute("UPDATE codings SET code_id = ? WHERE code_id = ?", [new, old]).rowcount
    db.execute("UPDATE memos SET target_id = ? WHERE target_type = 'code' AND target_id = ?", [new, old])
    return int(moved), len(twins)


# Suggestions --------------------------------------------------------------------------------
def add_suggestions(db: "Database", rows: list[tuple[Any, ...]]) -> None:
    """New pending suggestions: (source_id, segment_id, code_id, start, end, method, score,
    evidence, created_at) each."""
    db.conn.executemany(
        "INSERT INTO codings (source_id, segment_id, code_id, start, end, status, origin, method, "
        "score, evidence, created_at) VALUES (?, ?, ?, ?, ?, 'suggested', 'suggest', ?, ?, ?, ?)", rows)


def refresh_suggestions(db: "Database", rows: list[tuple[Any, ...]]) -> None:
    """New method, score and evidence for suggestions still pending: (method, score,
    evidence, id) each. A suggestion decided meanwhile keeps what the coder saw."""
    db.conn.executemany("UPDATE codings SET method = ?, score = ?, evidence = ? WHERE id = ? "
                        "AND status = 'suggested'", rows)


def withdraw_suggestions(db: "Database", coding_ids: list[int]) -> int:
    """Delete pending suggestions that no longer fire (never a decision; those with a memo
    are kept by the caller). Only still-pending ones go: one decided meanwhile stays."""
    cursor = db.conn.executemany("DELETE FROM codings WHERE id = ? AND status = 'suggested'",
                                 [(i,) for i in coding_ids])
    return int(cursor.rowcount)


def withdraw_source_suggestions(db: "Database", source_id: int) -> None:
    """Delete a replaced source's codings: only pending suggestions, the caller has checked
    (inside the same write transaction) that no coder decided any of them."""
    db.execute("DELETE FROM codings WHERE source_id = ?", [source_id])


# Memos --------------------------------------------------------------------------------------
def add_memo(db: "Database", target_type: str, target_id: str | None, text: str, *, author: str | None,
             created_at: str | None = None) -> int:
    """Store one memo (inside the caller's transaction, or its own); returns its id."""
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO memos (target_type, target_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)",
            [target_type, target_id, author, text, created_at or now()])
    return int(cursor.lastrowid or 0)
