"""Quotes per code: the coded passages with their citation (source, speaker or participant
pseudonym, the participant's attributes, segment id, timestamp or line).

Choosing quotes (``per_code``): each coded segment is a candidate, one quote per segment.
Candidates are picked one at a time, always from the participant, then the source, used
least so far, so that N quotes come from N voices where the data allow; among those, the
candidate whose quote is closest to a readable length (about 12–60 words) and has the
highest suggestion score wins. The chosen quotes are listed in source and turn order.

Trimming (``trim``): a quote is the shortest run of complete sentences of the turn that
carries the coded span: the sentences holding the coded span when only part of the turn is
coded, else the sentences holding the suggestion's evidence (matched words), joined by
`` […] `` where sentences are skipped. A turn coded by hand as a whole is quoted whole.

Facilitators' turns are never quoted unless ``include_facilitators``: a question is not
evidence of a theme. A citation gives the participant's attributes, then the source's
(its group and session attributes such as site or date; a source attribute whose name a
participant attribute also has is given as ``source.NAME``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.coding.common import require_codes
from qualcode.coding.spans import span_turns
from qualcode.errors import QualcodeError
from qualcode.reports.coded import code_masks, reading_once, segment_arrays, segment_table
from qualcode.reports.common import code_tree, descendants, status_clause
from qualcode.reports.pseudonymise import HIDDEN_ATTRIBUTES, Pseudonymiser, load_pseudonymiser

if TYPE_CHECKING:
    import numpy as np
    from sqlite_utils import Database

GAP = " […] "
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+|$)")


@dataclass
class Quote:
    code_id: str
    code_name: str
    source: str
    speaker: str | None
    participant: str | None
    segment_id: int | None
    timestamp: float | None
    line: int | None
    text: str
    status: str
    coder: str | None
    score: float | None
    attributes: dict[str, Any] = field(default_factory=dict)
    trimmed: bool = False


@dataclass
class QuotesReport:
    quotes: list[Quote]
    codes: list[tuple[str, str, int]]  # (code id, name, depth) in order, including empty codes
    include_suggested: bool
    pseudonymised: bool = False


_COLUMNS = ("code_id", "source", "label", "participant", "segment_id", "timestamp", "line", "c_start", "c_end",
            "s_start", "s_end", "seg_text", "pieces", "status", "coder", "score", "ordinal", "evidence",
            "speaker_id", "attributes", "pseudonym", "source_id", "source_attributes", "source_group")


@reading_once
def quotes_report(db: "Database", *, codes: list[str] | None = None, per_code: int | None = None,
                  include_suggested: bool = False, rollup: bool = False, trim: bool = True,
                  pseudonymise: bool = False, attributes: list[str] | None = None,
                  include_facilitators: bool = False) -> QuotesReport:
    """Quotes for ``codes`` (all codes if empty). ``rollup`` also lists, under a theme, the
    quotes coded with the codes below it. ``attributes`` limits the participant and source
    attributes given with each quote (default: all)."""
    if attributes:
        _require_attributes(db, attributes)
    import numpy as np  # the candidates as arrays, not Python sets: see reports/coded.py

    tree = code_tree(db)
    wanted = require_codes(db, codes or [])
    nodes = [n for n in tree if not wanted or n.id in wanted]
    below = descendants(tree)
    sources = _SourceTexts(db)
    pz = load_pseudonymiser(db) if pseudonymise else None
    status = status_clause(include_suggested)
    quotes: list[Quote] = []
    if per_code is None:
        voices = "" if include_facilitators else (
            " AND NOT coalesce(s.speaker_id IN (SELECT id FROM speakers WHERE role = 'facilitator'), 0)")
        rows = db.execute(f"{_SELECT} WHERE {status}{voices} ORDER BY src.name, s.ordinal, c.start").fetchall()
        by_code: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_code.setdefault(r[0], []).append(dict(zip(_COLUMNS, r)))
    else:
        masks = code_masks(db, include_suggested=include_suggested, include_facilitators=include_facilitators)
        table = segment_table(db)
        by_who = _segments_by_speaker(db, include_facilitators)
    for node in nodes:
        ids = below.get(node.id, {node.id}) if rollup else {node.id}
        if per_code is None:
            items = sorted((r for cid in sorted(ids) for r in by_code.get(cid, [])),
                           key=lambda r: (r["source"], r["ordinal"] or 0, r["c_start"]))
            chosen = _one_per_segment(items)
            for r in chosen:
                r["quote"], r["trimmed"] = _text(r, sources, trim)
        else:
            parts = [masks[cid] for cid in sorted(ids) if cid in masks]
            coded = (np.logical_or.reduce(parts) if len(parts) > 1 else parts[0] if parts
                     else np.zeros(len(table.source), dtype=bool))
            fetch = _Fetcher(db, sorted(ids), status, sources, trim)
            chosen = _spread(coded, per_code, segment_arrays(db).source, by_who, fetch)
        quotes += [_quote(node.id, node.name, r, pz, attributes) for r in chosen]
    return QuotesReport(quotes, [(n.id, n.name, n.depth) for n in nodes], include_suggested, pseudonymise)


@dataclass
class _Speakers:
    """The turns of each speaker (participant), in order, as one array: ``order`` holds the
    segment ids speaker by speaker, ``who[g]``'s from ``starts[g]`` to ``ends[g]``."""

    who: list[str]
    order: "np.ndarray"
    starts: "np.ndarray"
    ends: "np.ndarray"
    index: dict[str, int] = field(default_factory=dict)

    def first_coded(self, mask: "np.ndarray") -> dict[str, int]:
        """Each speaker's first turn coded in ``mask`` (a boolean array over segment ids), for
        every speaker who has one: a search per speaker, not a scan of their turns."""
        import numpy as np

        hits = np.flatnonzero(mask[self.order])
        if not len(hits):
            return {}
        at = hits[np.minimum(np.searchsorted(hits, self.starts), len(hits) - 1)]
        found = np.flatnonzero((at >= self.starts) & (at < self.ends)).tolist()
        return dict(zip([self.who[g] for g in found], self.order[at[found]].tolist()))

    def coded(self, who: str, mask: "np.ndarray") -> list[int]:
        """The speaker's turns coded in ``mask``, in order."""
        g = self.index[who]
        own = self.order[self.starts[g]:self.ends[g]]
        found: list[int] = own[mask[own]].tolist()
        return found


def _segments_by_speaker(db: "Database", include_facilitators: bool) -> _Speakers:
    """Every segment of each participant (speaker), in order; facilitators' turns only when
    they are included. Grouped in numpy (a stable sort by speaker), not a Python loop over
    every turn of the project."""
    import numpy as np

    table, arrays = segment_table(db), segment_arrays(db)
    who = arrays.who if include_facilitators else arrays.people
    order = np.argsort(who, kind="stable")
    order = order[who[order] >= 0]  # -1: nobody to count (facilitators, ids of no segment)
    starts = np.flatnonzero(np.diff(who[order], prepend=-1)) if len(order) else np.zeros(0, dtype=np.int64)
    ends = np.append(starts[1:], len(order))
    names = [table.who[seg] for seg in order[starts].tolist()]
    return _Speakers(names, order, starts, ends, {w: g for g, w in enumerate(names)})


_SELECT = (
    "SELECT c.code_id, src.name, sp.label, sp.participant_id, c.segment_id, s.timestamp, s.line, "
    "c.start, c.end, s.start, s.end, s.text, s.pieces, c.status, c.coder, c.score, s.ordinal, c.evidence, "
    "s.speaker_id, p.attributes, p.pseudonym, c.source_id, src.attributes, src.source_group "
    "FROM codings c JOIN sources src ON src.id = c.source_id "
    "LEFT JOIN segments s ON s.id = c.segment_id LEFT JOIN speakers sp ON sp.id = s.speaker_id "
    "LEFT JOIN participants p ON p.id = sp.participant_id")


class _Fetcher:
    """One candidate quote for a segment and a set of codes, read when it is considered."""

    def __init__(self, db: "Database", code_ids: list[str], status: str, sources: "_SourceTexts", trim: bool):
        self.db, self.code_ids, self.status, self.sources, self.trim = db, code_ids, status, sources, trim
        self.marks = ",".join("?" * len(code_ids))

    def __call__(self, seg: int) -> dict[str, Any] | None:
        row = self.db.execute(
            f"{_SELECT} WHERE {self.status} AND c.segment_id = ? AND +c.code_id IN ({self.marks}) "
            "ORDER BY c.start, c.id LIMIT 1", [seg, *self.code_ids]).fetchone()
        if row is None:  # a coding across turns that overlaps this segment
            row = self.db.execute(
                f"{_SELECT} JOIN segments o ON o.id = ? WHERE {self.status} AND c.segment_id IS NULL "
                f"AND c.source_id = o.source_id AND c.start < o.end AND c.end > o.start "
                f"AND c.code_id IN ({self.marks}) ORDER BY c.start, c.id LIMIT 1", [seg, *self.code_ids]).fetchone()
        if row is None:
            return None
        r = dict(zip(_COLUMNS, row))
        r["quote"], r["trimmed"] = _text(r, self.sources, self.trim)
        r["position"] = seg
        return r


class _SourceTexts:
    """Source texts, read once each and only when a quote needs a span of one."""

    def __init__(self, db: "Database") -> None:
        self.db = db
        self.cache: dict[int, str] = {}

    def get(self, source_id: int) -> str:
        if source_id not in self.cache:
            self.cache[source_id] = self.db.execute("SELECT text FROM sources WHERE id = ?", [source_id]).fetchone()[0]
        return self.cache[source_id]


def _one_per_segment(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One candidate per segment, even if several coders or subcodes coded it."""
    seen: set[int] = set()
    out = []
    for r in items:
        if r["segment_id"] is not None:
            if r["segment_id"] in seen:
                continue
            seen.add(r["segment_id"])
        out.append(r)
    return out


def _quality(r: dict[str, Any]) -> tuple[float, float]:
    words = len(r["quote"].split())
    distance = 0 if 12 <= words <= 60 else (12 - words if words < 12 else (words - 60) / 4)
    return (-distance, r["score"] or 0.0)


def _spread(coded: "np.ndarray", n: int, sources: "np.ndarray", by_who: _Speakers, fetch: _Fetcher,
            look: int = 10) -> list[dict[str, Any]]:
    """Pick ``n`` quotes among the ``coded`` segments (a boolean array over segment ids): each
    time from the participant (then the source) used least so far, earliest first; from that
    participant's first ``look`` candidates, the best quality.

    Only a participant's earliest candidate takes part in the choice, so the full list of
    their candidates is made only once they are chosen (a few per code, of thousands).
    ``sources``: each segment's source id (index: segment id)."""
    import numpy as np

    first = by_who.first_coded(coded)
    # The choice below is min(first, key=(times the participant was used, times the source of
    # their first candidate was used, that candidate)), kept in arrays: one lexsort a pick
    # instead of a Python call per participant (thousands of them, for each quote).
    names = list(first)
    first_seg = np.array([first[who] for who in names], dtype=np.int64)
    who_used = np.zeros(len(names), dtype=np.int64)
    src_used = np.zeros(len(sources) and int(sources.max()) + 1, dtype=np.int64)
    alive = np.ones(len(names), dtype=bool)
    groups: dict[str, list[int]] = {}
    picked: list[dict[str, Any]] = []
    seen_spans: set[tuple[int, int, int]] = set()
    while len(picked) < n and first:
        ids = np.flatnonzero(alive)
        k = int(ids[np.lexsort((first_seg[ids], src_used[sources[first_seg[ids]]], who_used[ids]))[0]])
        who = names[k]
        group = groups.get(who) or by_who.coded(who, coded)
        options = [r for r in (fetch(seg) for seg in group[:look]) if r is not None]
        options = [r for r in options if (r["source_id"], r["c_start"], r["c_end"]) not in seen_spans]
        best = max(options, key=_quality, default=None)
        remaining = [seg for seg in group if best is None or seg != best["position"]]
        if best is None:
            remaining = group[look:]
        if remaining:
            groups[who], first[who] = remaining, remaining[0]
            first_seg[k] = remaining[0]
        else:
            groups.pop(who, None)
            del first[who]
            alive[k] = False
        if best is None:
            continue
        seen_spans.add((best["source_id"], best["c_start"], best["c_end"]))
        picked.append(best)
        who_used[k] += 1
        if 0 <= best["source_id"] < len(src_used):  # a source no turn of which is a candidate: never asked
            src_used[best["source_id"]] += 1
    return sorted(picked, key=lambda r: (r["source"], r["ordinal"] or 0, r["c_start"]))


def _require_attributes(db: "Database", names: list[str]) -> None:
    """Refuse an ``--attr`` no citation can carry: a misspelt name used to give quotes with no
    attributes at all, without a word (``role`` after the samples renamed it ``position``)."""
    people = {k for (a,) in db.execute("SELECT attributes FROM participants") for k in json.loads(a or "{}")}
    people -= HIDDEN_ATTRIBUTES
    session = {k for (a,) in db.execute("SELECT attributes FROM sources") for k in json.loads(a or "{}")}
    if db.execute("SELECT 1 FROM sources WHERE source_group IS NOT NULL LIMIT 1").fetchone():
        session.add("group")
    known = people | session | {f"source.{k}" for k in session & people}
    for name in names:
        if name not in known:
            raise QualcodeError(f"unknown attribute '{name}' for --attr; choose from: "
                                f"{', '.join(sorted(known)) or 'none (no participants or sources file imported)'}")


def _citation_attributes(r: dict[str, Any]) -> dict[str, Any]:
    """The participant's attributes, then the source's group and attributes."""
    attrs = {k: v for k, v in json.loads(r["attributes"] or "{}").items() if k not in HIDDEN_ATTRIBUTES}
    session = json.loads(r["source_attributes"] or "{}")
    if r["source_group"] is not None:
        session = {"group": r["source_group"], **session}
    for k, v in session.items():
        attrs[f"source.{k}" if k in attrs else k] = v
    return attrs


def _quote(code_id: str, code_name: str, r: dict[str, Any], pz: Pseudonymiser | None,
           keys: list[str] | None) -> Quote:
    attrs = {k: v for k, v in _citation_attributes(r).items() if keys is None or k in keys}
    if keys is not None:
        attrs = {k: attrs[k] for k in keys if k in attrs}
    speaker, participant, source, text = r["label"], r["participant"], r["source"], r["quote"]
    turns = r.get("turns")
    if turns:  # a coding across turns: every speaker, and where it starts
        names = [pz.speaker(t.speaker, t.participant_id, t.speaker_id) if pz else t.speaker for t in turns]
        speaker = ", ".join(dict.fromkeys(n for n in names if n)) or None
        text = "\n".join(t.said(n) for t, n in zip(turns, names))
        r = {**r, "label": None, "line": turns[0].line, "timestamp": turns[0].timestamp}
    if pz is not None and turns:
        participant, source, text = None, pz.text(source), pz.text(text)
        attrs = {k: pz.text(str(v)) for k, v in attrs.items()}
    elif pz is not None:
        speaker = pz.speaker(r["label"], r["participant"], r["speaker_id"])
        participant = pz.participant(r["participant"])
        source, text = pz.source(source), pz.text(text)
        attrs = {k: pz.text(str(v)) for k, v in pz.attributes(attrs).items()}
    return Quote(code_id=code_id, code_name=code_name, source=source, speaker=speaker, participant=participant,
                 segment_id=r["segment_id"], timestamp=r["timestamp"], line=r["line"], text=text,
                 status=r["status"], coder=r["coder"], score=r["score"], attributes=attrs, trimmed=r["trimmed"])


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``, surrounding spaces excluded."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        out.append((start, len(text)))
    spans = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        if a < b:
            spans.append((a, b))
    return spans


def carrying_sentences(text: str, targets: list[tuple[int, int]]) -> str:
    """The sentences of ``text`` that overlap any target span, joined by `` […] `` where
    sentences are skipped; ``text`` itself when no target lies in it."""
    spans = sentences(text)
    keep = [k for k, (a, b) in enumerate(spans) if any(t0 < b and t1 > a for t0, t1 in targets)]
    if not keep:
        return text.strip()
    parts: list[str] = []
    for pos, k in enumerate(keep):
        if pos and k != keep[pos - 1] + 1:
            parts.append(GAP)
        elif pos:
            parts.append(" ")
        parts.append(text[spans[k][0]:spans[k][1]])
    return "".join(parts)


def _text(r: dict[str, Any], sources: _SourceTexts, trim: bool) -> tuple[str, bool]:
    """The quote and whether it was trimmed from the whole turn."""
    c_start, c_end, s_start, s_end = r["c_start"], r["c_end"], r["s_start"], r["s_end"]
    seg_text, pieces = r["seg_text"], r["pieces"]
    whole = seg_text is not None and c_start <= s_start and c_end >= s_end
    if pieces or seg_text is None:   # a turn in several pieces, or a coding across turns
        if whole and seg_text is not None:
            return str(seg_text), False
        src_text = sources.get(r["source_id"])
        if pieces:
            spans = [(max(a, c_start), min(b, c_end)) for a, b in json.loads(pieces)]
            return "\n\n".join(src_text[a:b] for a, b in spans if a < b), True
        # Across turns: whole, a line per turn, each speaker named (_quote names them again
        # when pseudonymising).
        r["turns"] = span_turns(sources.db, r["source_id"], c_start, c_end, src_text)
        return "\n".join(t.said() for t in r["turns"]), False
    if whole:
        targets = [(e["start"] - s_start, e["end"] - s_start) for e in json.loads(r["evidence"] or "[]")
                   if isinstance(e, dict) and "start" in e and "end" in e]
    else:
        targets = [(max(c_start, s_start) - s_start, min(c_end, s_end) - s_start)]
    if not trim:
        if whole:
            return str(seg_text), False
        return str(seg_text)[targets[0][0]:targets[0][1]], True
    if not targets:
        return str(seg_text), False
    quote = carrying_sentences(str(seg_text), targets)
    return quote, quote != str(seg_text).strip()
