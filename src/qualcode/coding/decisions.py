"""Accepting, rejecting, manually applying and removing codes.

Every decision names its coder and is written to the ``events`` audit trail in the same
transaction. Each event carries a ``batch`` (one decision, e.g. an "accept all") and, in its
detail, the coding's state before the decision, so :mod:`qualcode.coding.undo` can put the
project back exactly as it was. Nothing is erased: ``uncode`` sets a coding's status to
``removed``.

Each decision is one write transaction (:func:`qualcode.coding.ledger.write_transaction`)
that reads the state it decides on after taking the write lock, and every write goes
through :mod:`qualcode.coding.ledger`, which keeps one coding per span, code and coder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.coding import ledger
from qualcode.coding.common import add_in, new_batch, require_codes, require_sources
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class DecisionFilter:
    codes: list[str]
    sources: list[str]
    min_score: float | None = None
    max_score: float | None = None
    include_facilitators: bool = True  # False (review's default): not suggestions on facilitators' turns


def pending_where(db: "Database", flt: DecisionFilter, alias: str = "") -> tuple[str, list[object]]:
    """SQL conditions selecting the pending suggestions that ``flt`` names."""
    p = f"{alias}." if alias else ""
    clauses = [f"{p}origin = 'suggest'", f"{p}status = 'suggested'"]
    params: list[object] = []
    add_in(f"{p}code_id", require_codes(db, flt.codes), clauses, params)
    add_in(f"{p}source_id", require_sources(db, flt.sources), clauses, params)
    if flt.min_score is not None:
        clauses.append(f"{p}score >= ?")
        params.append(flt.min_score)
    if flt.max_score is not None:
        clauses.append(f"{p}score <= ?")
        params.append(flt.max_score)
    if not flt.include_facilitators:
        clauses.append(f"NOT coalesce({p}segment_id IN (SELECT f.id FROM speakers fs CROSS JOIN segments f "
                       "ON f.speaker_id = fs.id WHERE fs.role = 'facilitator'), 0)")
    return " AND ".join(clauses), params


def decide(db: "Database", status: str, flt: DecisionFilter, *, coder: str) -> int:
    """Set every pending suggestion matching ``flt`` to ``status`` (accepted or rejected).
    Returns how many were decided. One write transaction, one undoable batch: suggestions
    that another coder decides while this runs are not among them."""
    if status not in ("accepted", "rejected"):
        raise ValueError(status)
    where, params = pending_where(db, flt)
    with ledger.write_transaction(db):
        ids = [int(r[0]) for r in db.execute(f"SELECT id FROM codings WHERE {where}", params).fetchall()]
        done = set_status(db, ids, status, coder=coder, action="accept" if status == "accepted" else "reject",
                          bulk=True)
    return len(done.changed) + len(done.folded)


def set_status(db: "Database", coding_ids: list[int], status: str, *, coder: str, action: str,
               batch: str | None = None, expect: tuple[str, ...] | None = None, bulk: bool = False) -> ledger.Decided:
    """Decide the given codings (inside the caller's write transaction): see
    :func:`qualcode.coding.ledger.set_status`."""
    return ledger.set_status(db, coding_ids, status, coder=coder, action=action, batch=batch, expect=expect,
                             bulk=bulk)


@dataclass
class ManualResult:
    coding_id: int
    action: str  # created | accepted-suggestion | already
    batch: str | None = None


@dataclass
class Span:
    """Where to code: a whole segment, or ``start``/``end`` offsets into the source text
    (``segment_id`` is None for a span that crosses segments, e.g. from an import)."""
    segment_id: int | None
    source_id: int
    start: int
    end: int
    whole: bool


def resolve_span(db: "Database", segment_id: int, *, start: int | None = None, end: int | None = None,
                 quote: str | None = None) -> Span:
    """The span to code in a segment: all of it, ``start``/``end`` (characters of the
    segment's text as `qualcode segments` shows it) or the first place ``quote`` occurs."""
    from qualcode.coding.common import segment_pieces
    from qualcode.ingest.model import piece_offset

    seg = db.execute("SELECT source_id, start, end, pieces, text FROM segments WHERE id = ?", [segment_id]).fetchone()
    if seg is None:
        raise QualcodeError(f"no segment with id {segment_id}; segment ids are shown by `qualcode segments` "
                            "and `qualcode report quotes`")
    source_id, s_start, s_end, pieces_json, text = int(seg[0]), int(seg[1]), int(seg[2]), seg[3], str(seg[4])
    if quote is not None:
        if start is not None or end is not None:
            raise QualcodeError("give either --quote or --start/--end, not both")
        at = text.find(quote) if quote.strip() else -1
        if at < 0:
            at = text.lower().find(quote.lower()) if quote.strip() else -1
        if at < 0:
            raise QualcodeError(f"the quote is not in segment {segment_id}; copy the exact words from "
                                f"`qualcode segments` (the quote is not repeated here: transcripts are confidential)")
        start, end = at, at + len(quote)
    if start is None and end is None:
        return Span(segment_id, source_id, s_start, s_end, True)
    start = 0 if start is None else start
    end = len(text) if end is None else end
    if not 0 <= start < end <= len(text):
        raise QualcodeError(f"--start/--end must satisfy 0 <= start < end <= {len(text)} (the length of "
                            f"segment {segment_id}'s text)")
    pieces = segment_pieces(s_start, s_end, pieces_json)
    a, b = piece_offset(pieces, start), piece_offset(pieces, end)
    whole = a <= s_start and b >= s_end
    return Span(segment_id, source_id, a, b, whole)


def code_span(db: "Database", span: Span, code_id: str, *, coder: str, origin: str = "manual",
              batch: str | None = None, detail: dict[str, object] | None = None) -> ManualResult:
    """Apply ``code_id`` to ``span`` as ``coder`` (inside the caller's write transaction).
    Coding a whole segment accepts a pending suggestion for the same (segment, code) rather
    than duplicating it (or turns the coder's own rejection of it round); the same coding by
    the same coder is not made twice."""
    require_codes(db, [code_id])
    batch = batch or new_batch()
    action = "code" if origin == "manual" else origin
    done = ledger.live_twin(db, span.source_id, code_id, coder, span.start, span.end)
    if done is not None:
        return ManualResult(done, "already")
    if span.whole:
        # The suggestion, when it is pending or this coder's own earlier "no": another
        # coder's decision on it is theirs, and stays.
        pending = db.execute(
            "SELECT id FROM codings WHERE segment_id = ? AND code_id = ? AND origin = 'suggest' "
            "AND (status = 'suggested' OR (status IN ('rejected', 'removed') AND coder = ?))",
            [span.segment_id, code_id, coder]).fetchone()
        if pending is not None:
            set_status(db, [int(pending[0])], "accepted", coder=coder, action=action, batch=batch)
            return ManualResult(int(pending[0]), "accepted-suggestion", batch)
    added = ledger.add_coding(
        db, ledger.NewCoding(span.source_id, span.segment_id, code_id, span.start, span.end, coder, "accepted",
                             origin, origin), actor=coder, action=action, batch=batch, detail=detail)
    return ManualResult(added.coding_id, "created", batch)


def code_segment(db: "Database", segment_id: int, code_id: str, *, coder: str, start: int | None = None,
                 end: int | None = None, quote: str | None = None) -> ManualResult:
    """Code a segment (or a span of it) by hand, in one transaction."""
    require_codes(db, [code_id])
    span = resolve_span(db, segment_id, start=start, end=end, quote=quote)
    with ledger.write_transaction(db):
        return code_span(db, span, code_id, coder=coder)


def uncode(db: "Database", *, coder: str, coding_id: int | None = None, segment_id: int | None = None,
           code_id: str | None = None) -> list[int]:
    """Remove codings (status ``removed``; the row and its history stay): one by id, or every
    accepted coding of ``code_id`` in ``segment_id`` by ``coder``. Returns the ids. One
    write transaction: a coding removed meanwhile by someone else is not removed twice."""
    with ledger.write_transaction(db):
        ids = _to_uncode(db, coder=coder, coding_id=coding_id, segment_id=segment_id, code_id=code_id)
        set_status(db, ids, "removed", coder=coder, action="uncode", expect=("accepted",))
    return ids


def _to_uncode(db: "Database", *, coder: str, coding_id: int | None, segment_id: int | None,
               code_id: str | None) -> list[int]:
    if coding_id is not None:
        row = db.execute("SELECT status FROM codings WHERE id = ?", [coding_id]).fetchone()
        if row is None:
            raise QualcodeError(f"no coding with id {coding_id}; run `qualcode codings` to list coding ids")
        if row[0] != "accepted":
            raise QualcodeError(f"coding {coding_id} is {row[0]}, not accepted; only accepted codings can be "
                                "removed (reject a suggestion with `qualcode reject` or in `qualcode review`)")
        return [coding_id]
    if segment_id is None or code_id is None:
        raise QualcodeError("name a coding: `qualcode uncode SEGMENT_ID CODE_ID` or `--coding ID`")
    require_codes(db, [code_id])
    ids = [int(r[0]) for r in db.execute(  # with a coding across turns that touches the segment
        "SELECT c.id FROM codings c WHERE c.code_id = ? AND c.coder = ? AND c.status = 'accepted' "
        "AND (c.segment_id = ? OR (c.segment_id IS NULL AND EXISTS (SELECT 1 FROM segments o WHERE o.id = ? "
        "AND o.source_id = c.source_id AND o.start < c.end AND o.end > c.start))) ORDER BY c.id",
        [code_id, coder, segment_id, segment_id]).fetchall()]
    if not ids:
        raise QualcodeError(f"segment {segment_id} has no accepted coding of {code_id} by {coder}; "
                            "run `qualcode codings --segment ID` to see who coded it")
    return ids
