"""The interactive review's logic: which segment comes next, what to show, and the
decisions, each one undoable. No terminal code here (``cli/review_cmd.py`` draws and reads
keys), so a session can be driven by a test or another front end.

The queue is the segments with pending suggestions matching the filter, one segment at a
time. Decisions are written as they are made, so quitting and starting again resumes
where the researcher stopped; segments skipped are remembered per coder (in ``meta``) and
come after the others next time.

Another coder may decide a shown suggestion while this one looks at it: each decision
changes only suggestions still pending, and the ones decided meanwhile are kept as that
coder decided them and listed in :attr:`ReviewSession.conflicts` for the screen to say so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.coding.common import Turn, require_codes, to_segment_offset, turn
from qualcode.coding import ledger
from qualcode.coding.decisions import DecisionFilter, Span, code_span, pending_where, resolve_span, set_status
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

ORDERS = {
    "score": "max(c.score) DESC, src.name, s.ordinal",
    "uncertain": "min(abs(c.score - 0.5)) ASC, max(c.score) DESC, src.name, s.ordinal",
    "source": "src.name, s.ordinal",
}


@dataclass
class Suggestion:
    coding_id: int
    code_id: str
    code_name: str
    score: float | None
    method: str
    evidence: list[tuple[int, int, str]]  # (start, end, kind): offsets into the segment's text
    reasons: list[str] = field(default_factory=list)  # each layer's reason, as suggest wrote it


@dataclass
class ReviewItem:
    segment_id: int
    turn: Turn  # the segment as shown, with the turn before it
    suggestions: list[Suggestion]
    coded: list[tuple[str, str | None]]  # accepted codings already on the segment: (code, coder)


@dataclass
class Progress:
    done: int  # suggestions matching the filter that have been decided
    left: int  # pending ones
    segments_left: int


@dataclass
class Learned:
    code_id: str
    accepted: int
    rejected: int
    enough: bool


@dataclass
class SessionTally:
    accepted: int = 0
    rejected: int = 0
    coded: int = 0
    memos: int = 0
    undone: int = 0
    created: list[str] = field(default_factory=list)  # codes created in this session (and not undone)


@dataclass
class ReviewSession:
    db: "Database"
    coder: str
    flt: DecisionFilter = field(default_factory=lambda: DecisionFilter([], []))
    order: str = "score"
    tally: SessionTally = field(default_factory=SessionTally)
    _skipped_now: set[int] = field(default_factory=set)
    _batches: list[tuple[str, int]] = field(default_factory=list)  # (batch, segment) decided this session
    _created: dict[str, str] = field(default_factory=dict)  # batch -> the code it created
    # Suggestions the last decision left alone because someone decided them meanwhile.
    conflicts: list[ledger.Conflict] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise QualcodeError(f"unknown order '{self.order}'; choose {', '.join(ORDERS)}")
        self._where, self._params = pending_where(self.db, self.flt, "c")
        # Read once: a review makes no bulk decisions (its own are read turn by turn).
        self._bulk = ledger.bulk_decided(self.db)

    # The queue --------------------------------------------------------------------------
    def queue(self) -> list[int]:
        """Segments still to review this session, skipped ones (from earlier sessions) last."""
        rows = self.db.execute(
            f"SELECT c.segment_id FROM codings c JOIN segments s ON s.id = c.segment_id "
            f"JOIN sources src ON src.id = c.source_id WHERE {self._where} "
            f"GROUP BY c.segment_id ORDER BY {ORDERS[self.order]}", self._params).fetchall()
        earlier = set(self._stored_skips())
        ids = [int(r[0]) for r in rows if int(r[0]) not in self._skipped_now]
        return [i for i in ids if i not in earlier] + [i for i in ids if i in earlier]

    def next_item(self) -> ReviewItem | None:
        ids = self.queue()
        return self.item(ids[0]) if ids else None

    def item(self, segment_id: int) -> ReviewItem:
        db = self.db
        t = turn(db, segment_id)
        pieces = t.pieces
        rows = db.execute(
            f"SELECT c.id, c.code_id, k.name, c.score, c.method, c.evidence FROM codings c "
            f"JOIN codes k ON k.id = c.code_id WHERE {self._where} AND c.segment_id = ? "
            "ORDER BY c.score DESC, k.position", [*self._params, segment_id]).fetchall()
        suggestions = []
        for r in rows:
            items = [ev for ev in json.loads(r[5] or "[]") if isinstance(ev, dict)]
            suggestions.append(Suggestion(r[0], r[1], r[2], r[3], r[4], _evidence(items, pieces),
                                          [str(ev["reason"]) for ev in items if ev.get("reason")]))
        coded = [(r[0], r[1]) for r in db.execute(
            "SELECT code_id, coder FROM codings WHERE segment_id = ? AND status = 'accepted' ORDER BY id",
            [segment_id]).fetchall()]
        # and the codings across turns (segment_id NULL: its index finds them) that cover part of it
        coded += [(r[0], r[1]) for r in db.execute(
            "SELECT c.code_id, c.coder FROM segments s JOIN codings c ON c.segment_id IS NULL "
            "AND c.source_id = s.source_id AND c.start < s.end AND c.end > s.start "
            "WHERE s.id = ? AND c.status = 'accepted' ORDER BY c.id", [segment_id]).fetchall()]
        return ReviewItem(segment_id, t, suggestions, coded)

    # Decisions ----------------------------------------------------------------------------
    def _decide(self, segment_id: int, coding_ids: list[int], status: str) -> None:
        self.conflicts = []
        if not coding_ids:
            return
        with ledger.write_transaction(self.db):
            done = set_status(self.db, coding_ids, status, coder=self.coder,
                              action="accept" if status == "accepted" else "reject", expect=("suggested",))
        self.conflicts = done.conflicts
        count = len(done.changed) + len(done.folded)
        if count:
            self._batches.append((done.batch, segment_id))
        if status == "accepted":
            self.tally.accepted += count
        else:
            self.tally.rejected += count

    def accept(self, item: ReviewItem, coding_ids: list[int] | None = None) -> None:
        """Accept some of the item's suggestions (all of them when ``coding_ids`` is None)."""
        self._decide(item.segment_id, _ids(item, coding_ids), "accepted")

    def reject(self, item: ReviewItem, coding_ids: list[int] | None = None) -> None:
        self._decide(item.segment_id, _ids(item, coding_ids), "rejected")

    def turn_before(self, item: ReviewItem) -> int | None:
        """The speech turn before the item's in its source (None for the first): the one a
        coding ``with_previous`` starts in."""
        row = self.db.execute(
            "SELECT p.id FROM segments s JOIN segments p ON p.source_id = s.source_id AND p.kind = 'speech' "
            "AND p.ordinal < s.ordinal WHERE s.id = ? ORDER BY p.ordinal DESC LIMIT 1", [item.segment_id]).fetchone()
        return None if row is None else int(row[0])

    def _span(self, item: ReviewItem, with_previous: bool) -> Span:
        """The whole segment, or from the start of the speech turn before it to its end: one
        coding across the two turns (``coding/spans.py``), as ``code --source`` makes."""
        if not with_previous:
            return resolve_span(self.db, item.segment_id)
        from qualcode.coding.spans import resolve_source_span

        before = self.turn_before(item)
        if before is None:
            raise QualcodeError(f"segment {item.segment_id} is the first turn of {item.turn.source}: there is no turn "
                                "before it to code with it")
        start = self.db.execute("SELECT start FROM segments WHERE id = ?", [before]).fetchone()[0]
        end = self.db.execute("SELECT end FROM segments WHERE id = ?", [item.segment_id]).fetchone()[0]
        return resolve_source_span(self.db, item.turn.source, start=int(start), end=int(end))

    def add_code(self, item: ReviewItem, code: str, *, with_previous: bool = False) -> str:
        """Apply another code to the whole segment (with ``with_previous``, to it and the
        speech turn before it, as one coding across turns); ``code`` may be an id, a name or
        a unique prefix. Returns the code id. As ``c`` accepts a pending suggestion of the
        code on the segment, so does ``C`` (in the same decision): the turn was judged to
        carry the code, and the learned layer learns from accepted segments."""
        code_id = resolve_code(self.db, code)
        span = self._span(item, with_previous)
        with ledger.write_transaction(self.db):
            result = code_span(self.db, span, code_id, coder=self.coder)
            pending = [int(r[0]) for r in self.db.execute(
                "SELECT id FROM codings WHERE segment_id = ? AND code_id = ? AND status = 'suggested'",
                [item.segment_id, code_id])] if with_previous and result.batch is not None else []
            if pending:
                set_status(self.db, pending, "accepted", coder=self.coder, action="accept", batch=result.batch,
                           expect=("suggested",))
        if result.batch is not None:
            self._batches.append((result.batch, item.segment_id))
            self.tally.coded += 1
        return code_id

    def add_new_code(self, item: ReviewItem, name: str, *, with_previous: bool = False) -> str:
        """Create a code named ``name`` (a new codebook version) and apply it to the whole
        segment (and the turn before it, as :meth:`add_code`): one decision, which ``undo``
        takes back whole. Returns the new code's id."""
        from qualcode.coding.new_codes import code_with_new_code

        span = self._span(item, with_previous)  # a turn with none before: refused before the codebook changes
        result = code_with_new_code(self.db, item.segment_id, name, coder=self.coder, span=span)
        self._batches.append((result.edit.batch, item.segment_id))
        self._created[result.edit.batch] = result.code_id
        self.tally.coded += 1
        self.tally.created.append(result.code_id)
        return result.code_id

    def memo(self, target_type: str, target_id: str | None, text: str) -> int:
        from qualcode.coding.memos import add_memo

        memo_id = add_memo(self.db, target_type, target_id, text, author=self.coder)
        self.tally.memos += 1
        return memo_id

    def skip(self, item: ReviewItem) -> None:
        """Leave the segment for later: not again this session, last in the next one."""
        self._skipped_now.add(item.segment_id)
        skips = [s for s in self._stored_skips() if s != item.segment_id] + [item.segment_id]
        with self.db.atomic():
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                            [self._skip_key, json.dumps(skips[-1000:])])

    @property
    def can_undo(self) -> bool:
        return bool(self._batches)

    def undo(self) -> int | None:
        """Undo this session's last decision; returns its segment (None if nothing to undo)."""
        from qualcode.coding.undo import undo_batch

        if not self._batches:
            return None
        batch, segment_id = self._batches[-1]
        with ledger.write_transaction(self.db):
            undo_batch(self.db, batch)
        self._batches.pop()
        self.tally.undone += 1
        if batch in self._created:
            self.tally.created.remove(self._created.pop(batch))
        self._skipped_now.discard(segment_id)
        return segment_id

    # Progress ------------------------------------------------------------------------------
    def progress(self) -> Progress:
        done_where = self._where.replace("c.status = 'suggested'", "c.status IN ('accepted', 'rejected')")
        done = self.db.execute(f"SELECT count(*) FROM codings c WHERE {done_where}", self._params).fetchone()[0]
        left, segs = self.db.execute(f"SELECT count(*), count(DISTINCT c.segment_id) FROM codings c "
                                     f"WHERE {self._where}", self._params).fetchone()
        return Progress(int(done), int(left), int(segs))

    def learned(self, code_ids: list[str] | None = None) -> list[Learned]:
        return learned_status(self.db, code_ids, self._bulk)

    @property
    def _skip_key(self) -> str:
        return f"review-skipped:{self.coder}"

    def _stored_skips(self) -> list[int]:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [self._skip_key]).fetchone()
        return [int(x) for x in json.loads(row[0])] if row else []


def _ids(item: ReviewItem, coding_ids: list[int] | None) -> list[int]:
    pending = [s.coding_id for s in item.suggestions]
    return pending if coding_ids is None else [i for i in coding_ids if i in pending]


def _evidence(items: list[dict[str, Any]], pieces: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """The evidence items with offsets, as (start, end, kind) within the segment's text."""
    out = []
    for ev in items:
        if isinstance(ev.get("start"), int) and isinstance(ev.get("end"), int):
            a, b = to_segment_offset(pieces, ev["start"]), to_segment_offset(pieces, ev["end"])
            if a < b:
                out.append((a, b, str(ev.get("kind", ""))))
    return out


def find_code(db: "Database", text: str) -> str | None:
    """A code id from what the researcher typed: an id, a name, or a unique prefix of either;
    None when no code matches (the review then offers to create one)."""
    text = text.strip()
    rows = db.execute("SELECT id, name FROM codes WHERE status = 'active' ORDER BY position").fetchall()
    for cid, name in rows:
        if text == cid or text.lower() == str(name).lower():
            return str(cid)
    starts = [cid for cid, name in rows if cid.startswith(text) or str(name).lower().startswith(text.lower())]
    if text and len(starts) == 1:
        return str(starts[0])
    if len(starts) > 1:
        raise QualcodeError(f"'{text}' could be {', '.join(starts[:5])}; type more of the code id")
    return None


def resolve_code(db: "Database", text: str) -> str:
    """As :func:`find_code`, but an unknown code is an error."""
    found = find_code(db, text)
    return found if found is not None else require_codes(db, [text.strip()])[0]


def code_names(db: "Database") -> list[str]:
    """Active code ids, for completion."""
    return [str(r[0]) for r in db.execute("SELECT id FROM codes WHERE status = 'active' ORDER BY position")]


def learned_status(db: "Database", code_ids: list[str] | None = None,
                   bulk: set[int] | None = None) -> list[Learned]:
    """Per code, the decisions the learned layer trains on (:func:`ledger.learned_from`) and
    whether they are enough (``nlp/thresholds.py``): accepted segments, and rejected
    suggestions. ``bulk``: :func:`ledger.bulk_decided`, when the caller has it."""
    from qualcode.nlp.thresholds import MIN_ACCEPTED, MIN_REJECTED

    where, params = ledger.learned_from(ledger.bulk_decided(db) if bulk is None else bulk)
    counts = {(code, status): n for code, status, n in db.execute(
        f"SELECT code_id, status, count(DISTINCT segment_id) FROM codings WHERE {where} GROUP BY 1, 2", params)}
    wanted = set(code_ids) if code_ids is not None else None
    out = []
    for (code_id,) in db.execute("SELECT id FROM codes WHERE status = 'active' ORDER BY position"):
        if wanted is None or code_id in wanted:
            accepted, rejected = counts.get((code_id, "accepted"), 0), counts.get((code_id, "rejected"), 0)
            out.append(Learned(code_id, accepted, rejected, accepted >= MIN_ACCEPTED and rejected >= MIN_REJECTED))
    return out
