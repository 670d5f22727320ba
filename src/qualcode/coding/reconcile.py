"""Reconciling double coding: ``qualcode review --disagreements``.

After blind double coding (:mod:`qualcode.coding.assign`) and ``merge``, the team walks each
disagreement: a (segment, code) that some of the compared coders applied and others did
not. Each one is shown with every coder's decision side by side (coded or not, the words
they coded, whether they rejected the machine's suggestion of it, their memos), and the
team records the reconciled decision under a *consensus* coder (``consensus`` unless named
otherwise): an accepted coding when the code applies, a rejected one when it does not, with
a memo for the reason. The consensus coder is then a coder like any other: reports can use
its codings, and ``report agreement --coders alice,consensus`` shows how far each coder was
from the agreed coding.

A disagreement is the segment-level unit of ``report agreement``: a coding counts for every
segment it touches. One decided by the consensus coder (accepted or rejected) is done and
not shown again. Each decision is one write transaction and one undoable batch (action
``reconcile``); the person who reconciles is the event's actor and the memo's author.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qualcode.coding import ledger
from qualcode.coding.common import (Turn, add_in, new_batch, require_codes, require_sources,
                                    to_segment_offset, turn)
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

DEFAULT_CONSENSUS = "consensus"

# Accepted codings of active codes, one row per segment each touches (cross-turn codings,
# segment_id NULL, count in every segment they overlap).
_CODED = """
SELECT c.id, s.id, c.code_id, c.coder, c.start, c.end FROM codings c
JOIN codes k ON k.id = c.code_id AND k.status = 'active'
JOIN segments s ON (c.segment_id IS NOT NULL AND s.id = c.segment_id)
               OR (c.segment_id IS NULL AND s.source_id = c.source_id AND s.start < c.end AND s.end > c.start)
WHERE c.status = 'accepted' AND {where}
"""


@dataclass
class CoderDecision:
    coder: str
    coded: bool
    words: list[str] = field(default_factory=list)  # what they coded, when not the whole segment
    rejected_suggestion: bool = False  # they said no to the machine's suggestion of the code
    memos: list[str] = field(default_factory=list)  # their memos on their codings of it


@dataclass
class Disagreement:
    segment_id: int
    code_id: str
    code_name: str
    turn: Turn  # the segment as shown, with the turn before it
    decisions: list[CoderDecision]


def default_coders(db: "Database", consensus: str) -> list[str]:
    """Every coder with accepted codings, except the consensus coder."""
    return [str(r[0]) for r in db.execute(
        "SELECT DISTINCT coder FROM codings WHERE status = 'accepted' AND coder IS NOT NULL AND coder != ? "
        "ORDER BY coder", [consensus]).fetchall()]


def _sources(db: "Database", coders: list[str], sources: list[str]) -> list[int]:
    if sources:
        return require_sources(db, sources)
    per_coder = [{int(r[0]) for r in db.execute(
        "SELECT DISTINCT source_id FROM codings WHERE status = 'accepted' AND coder = ?", [c]).fetchall()}
        for c in coders]
    common = set.intersection(*per_coder)
    if not common:
        raise QualcodeError(f"no source has been coded by all of {', '.join(coders)}; each coder must code the "
                            "same sources (or pass --source to name them)")
    return sorted(common)


def find_disagreements(db: "Database", *, coders: list[str] | None = None, consensus: str = DEFAULT_CONSENSUS,
                       codes: list[str] | None = None, sources: list[str] | None = None) -> list[tuple[int, str]]:
    """(segment, code) pairs on which the coders differ and that the consensus coder has not
    decided yet, in transcript order (source name, turn, codebook order)."""
    chosen = list(dict.fromkeys(coders)) if coders else default_coders(db, consensus)
    if consensus in chosen:
        raise QualcodeError(f"'{consensus}' is the consensus coder; compare the other coders (--coders)")
    if len(chosen) < 2:
        raise QualcodeError(f"reconciling needs at least two coders' codings, found {len(chosen)} "
                            f"({', '.join(chosen) or 'none'}); merge the coders' projects first (`qualcode merge`)")
    known = set(default_coders(db, consensus))
    missing = [c for c in chosen if c not in known]
    if missing:
        raise QualcodeError(f"no accepted codings by coder '{missing[0]}'; coders in this project: "
                            f"{', '.join(sorted(known)) or 'none'}")
    clauses: list[str] = []
    params: list[object] = []
    add_in("c.coder", chosen, clauses, params)
    add_in("c.code_id", require_codes(db, codes or []), clauses, params)
    add_in("s.source_id", _sources(db, chosen, sources or []), clauses, params)
    who: dict[tuple[int, str], set[str]] = {}
    for _cid, seg, code, coder, _a, _b in db.execute(_CODED.format(where=" AND ".join(clauses)), params):
        who.setdefault((int(seg), str(code)), set()).add(str(coder))
    differ = {key for key, coded in who.items() if len(coded) < len(chosen)}
    done = {(int(r[0]), str(r[1])) for r in db.execute(
        "SELECT segment_id, code_id FROM codings WHERE coder = ? AND status IN ('accepted', 'rejected') "
        "AND segment_id IS NOT NULL", [consensus]).fetchall()}
    order = {str(r[0]): i for i, r in enumerate(db.execute("SELECT id FROM codes ORDER BY position"))}
    place = {int(r[0]): (str(r[1]), int(r[2])) for r in db.execute(
        "SELECT s.id, src.name, s.ordinal FROM segments s JOIN sources src ON src.id = s.source_id "
        "WHERE s.id IN (SELECT value FROM json_each(?))", [json.dumps(sorted({seg for seg, _ in differ}))])}
    return sorted(differ - done, key=lambda k: (*place[k[0]], order.get(k[1], 0)))


def disagreement(db: "Database", segment_id: int, code_id: str, coders: list[str]) -> Disagreement:
    """One disagreement with every coder's decision, for the screen."""
    t = turn(db, segment_id)
    name = db.execute("SELECT name FROM codes WHERE id = ?", [code_id]).fetchone()
    decisions = [_decision(db, segment_id, code_id, coder, t.text, t.pieces) for coder in coders]
    return Disagreement(segment_id, code_id, str(name[0]) if name else code_id, t, decisions)


def _decision(db: "Database", segment_id: int, code_id: str, coder: str, text: str,
              pieces: list[tuple[int, int]]) -> CoderDecision:
    rows = db.execute(_CODED.format(where="c.coder = ? AND c.code_id = ? AND s.id = ?"),
                      [coder, code_id, segment_id]).fetchall()
    out = CoderDecision(coder, bool(rows))
    seg_start, seg_end = pieces[0][0], pieces[-1][1]
    for coding_id, _seg, _code, _coder, start, end in rows:
        if start > seg_start or end < seg_end:
            a, b = to_segment_offset(pieces, max(start, seg_start)), to_segment_offset(pieces, min(end, seg_end))
            out.words.append(text[a:b])
        out.memos += [str(r[0]) for r in db.execute(
            "SELECT text FROM memos WHERE target_type = 'coding' AND target_id = ? ORDER BY id", [str(coding_id)])]
    out.rejected_suggestion = db.execute(
        "SELECT 1 FROM codings WHERE segment_id = ? AND code_id = ? AND coder = ? AND origin = 'suggest' "
        "AND status = 'rejected'", [segment_id, code_id, coder]).fetchone() is not None
    return out


@dataclass
class Reconciled:
    coding_id: int
    batch: str
    memo_id: int | None


def reconcile(db: "Database", segment_id: int, code_id: str, *, coded: bool, consensus: str, actor: str,
              coders: list[str], reason: str = "") -> Reconciled:
    """Record the team's decision on one disagreement under the consensus coder: an accepted
    coding (spanning what the coders who applied it coded in the segment) or a rejected one
    (the whole segment), with ``reason`` as a memo on it. One transaction, one batch."""
    batch = new_batch()
    with ledger.write_transaction(db):
        decided = db.execute(
            "SELECT status FROM codings WHERE segment_id = ? AND code_id = ? AND coder = ? "
            "AND status IN ('accepted', 'rejected')", [segment_id, code_id, consensus]).fetchone()
        if decided is not None:
            raise QualcodeError(f"{consensus} has already decided {code_id} on segment {segment_id} "
                                f"({decided[0]}) meanwhile; left as decided")
        source_id, s_start, s_end = db.execute("SELECT source_id, start, end FROM segments WHERE id = ?",
                                               [segment_id]).fetchone()
        start, end = s_start, s_end
        if coded:
            spans = [(int(r[4]), int(r[5])) for r in db.execute(
                _CODED.format(where=f"c.code_id = ? AND s.id = ? AND c.coder IN ({','.join('?' * len(coders))})"),
                [code_id, segment_id, *coders]).fetchall()]
            if spans:  # what the coders who applied it coded, within this segment
                start, end = max(s_start, min(a for a, _ in spans)), min(s_end, max(b for _, b in spans))
        added = ledger.add_coding(
            db, ledger.NewCoding(int(source_id), segment_id, code_id, start, end, consensus,
                                 "accepted" if coded else "rejected", "manual", "reconcile"),
            actor=actor, action="reconcile", batch=batch, detail={"coders": coders})
        memo = ledger.add_memo(db, "coding", str(added.coding_id), reason.strip(), author=actor) \
            if reason.strip() else None
    return Reconciled(added.coding_id, batch, memo)


@dataclass
class ReconcileTally:
    coded: int = 0
    not_coded: int = 0
    memos: int = 0
    undone: int = 0


@dataclass
class ReconcileSession:
    """The walk through the disagreements: what comes next, the decisions, undo. No terminal
    code (``cli/reconcile_cmd.py`` draws and reads keys)."""
    db: "Database"
    actor: str
    consensus: str = DEFAULT_CONSENSUS
    coders: list[str] = field(default_factory=list)  # [] : every coder but the consensus one
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    tally: ReconcileTally = field(default_factory=ReconcileTally)
    _skipped: set[tuple[int, str]] = field(default_factory=set)
    _batches: list[tuple[str, tuple[int, str], bool, bool]] = field(default_factory=list)  # batch, key, coded, memo

    def __post_init__(self) -> None:
        consensus = self.consensus.strip()
        if not consensus:
            raise QualcodeError("name the consensus coder, e.g. --as consensus")
        self.consensus = consensus
        self.coders = list(dict.fromkeys(self.coders)) or default_coders(self.db, consensus)
        self.queue()  # checks the coders, codes and sources now, before any screen is drawn

    def queue(self) -> list[tuple[int, str]]:
        found = find_disagreements(self.db, coders=self.coders, consensus=self.consensus, codes=self.codes,
                                   sources=self.sources)
        return [k for k in found if k not in self._skipped]

    def next_item(self) -> Disagreement | None:
        left = self.queue()
        return disagreement(self.db, *left[0], self.coders) if left else None

    def decide(self, item: Disagreement, *, coded: bool, reason: str = "") -> Reconciled:
        done = reconcile(self.db, item.segment_id, item.code_id, coded=coded, consensus=self.consensus,
                         actor=self.actor, coders=self.coders, reason=reason)
        self._batches.append((done.batch, (item.segment_id, item.code_id), coded, done.memo_id is not None))
        self._count(coded, done.memo_id is not None, 1)
        return done

    def _count(self, coded: bool, memo: bool, step: int) -> None:
        if coded:
            self.tally.coded += step
        else:
            self.tally.not_coded += step
        self.tally.memos += step * memo

    def skip(self, item: Disagreement) -> None:
        self._skipped.add((item.segment_id, item.code_id))

    @property
    def can_undo(self) -> bool:
        return bool(self._batches)

    def undo(self) -> bool:
        """Undo this session's last decision (its coding and memo go); False if none."""
        from qualcode.coding.undo import undo_batch

        if not self._batches:
            return False
        batch, key, coded, memo = self._batches[-1]
        with ledger.write_transaction(self.db):
            undo_batch(self.db, batch)
        self._batches.pop()
        self._skipped.discard(key)
        self._count(coded, memo, -1)
        self.tally.undone += 1
        return True
