"""Quotes per code: the coded passages with their citation (source, speaker, segment id,
timestamp or line). Codes come in codebook order; within a code, quotes by source and turn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.coding.common import require_codes
from qualcode.reports.common import code_tree, descendants, status_clause

if TYPE_CHECKING:
    from sqlite_utils import Database


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


@dataclass
class QuotesReport:
    quotes: list[Quote]
    codes: list[tuple[str, str, int]]  # (code id, name, depth) in order, including empty codes
    include_suggested: bool


def quotes_report(db: "Database", *, codes: list[str] | None = None, per_code: int | None = None,
                  include_suggested: bool = False, rollup: bool = False) -> QuotesReport:
    """Quotes for ``codes`` (all codes if empty). ``rollup`` also lists, under a theme, the
    quotes coded with the codes below it."""
    tree = code_tree(db)
    wanted = require_codes(db, codes or [])
    nodes = [n for n in tree if not wanted or n.id in wanted]
    below = descendants(tree)
    rows = db.execute(
        "SELECT c.code_id, src.name, sp.label, sp.participant_id, c.segment_id, s.timestamp, s.line, "
        "c.start, c.end, s.start, s.end, s.text, s.pieces, src.text, c.status, c.coder, c.score, s.ordinal "
        "FROM codings c JOIN sources src ON src.id = c.source_id "
        "LEFT JOIN segments s ON s.id = c.segment_id LEFT JOIN speakers sp ON sp.id = s.speaker_id "
        f"WHERE {status_clause(include_suggested)} ORDER BY src.name, s.ordinal, c.start"
    ).fetchall()
    by_code: dict[str, list[tuple[Any, ...]]] = {}
    for r in rows:
        by_code.setdefault(r[0], []).append(r)
    quotes: list[Quote] = []
    for node in nodes:
        ids = below.get(node.id, {node.id}) if rollup else {node.id}
        items = sorted((r for cid in ids for r in by_code.get(cid, [])), key=lambda r: (r[1], r[17] or 0, r[7]))
        seen_segments: set[int] = set()
        count = 0
        for r in items:
            if r[4] is not None and r[4] in seen_segments:
                continue  # one quote per segment, even if several coders or subcodes coded it
            if per_code is not None and count >= per_code:
                break
            if r[4] is not None:
                seen_segments.add(r[4])
            count += 1
            quotes.append(Quote(
                code_id=node.id, code_name=node.name, source=r[1], speaker=r[2], participant=r[3],
                segment_id=r[4], timestamp=r[5], line=r[6], text=_quote_text(r), status=r[14],
                coder=r[15], score=r[16],
            ))
    return QuotesReport(quotes, [(n.id, n.name, n.depth) for n in nodes], include_suggested)


def _quote_text(r: tuple[Any, ...]) -> str:
    """The coded passage: the segment's quoted text when the coding covers the whole
    segment, else the coded span of the source text."""
    c_start, c_end, s_start, s_end, seg_text, pieces, src_text = r[7], r[8], r[9], r[10], r[11], r[12], r[13]
    if seg_text is not None and c_start <= s_start and c_end >= s_end:
        return str(seg_text)
    if pieces:
        spans = [(max(a, c_start), min(b, c_end)) for a, b in json.loads(pieces)]
        return "\n\n".join(src_text[a:b] for a, b in spans if a < b)
    return str(src_text[c_start:c_end])
