"""Running the suggestion layers over a project's segments and storing the results.

Suggestions are codings with ``origin = 'suggest'`` and ``status = 'suggested'``, one per
(segment, code). Re-running updates pending suggestions in place (never duplicates them),
leaves decided ones (accepted/rejected) alone, and withdraws pending suggestions that no
longer fire (a codebook edit removed the keyword): those were never a decision.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from qualcode.codebook.store import active_codes
from qualcode.coding.common import now
from qualcode.errors import QualcodeError
from qualcode.ingest.model import piece_offset

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class SuggestResult:
    segments: int
    words: int
    suggested: int  # pending suggestions after the run
    new: int
    updated: int
    withdrawn: int
    kept_decided: int  # matches whose (segment, code) already has a decision
    seconds: float


def run_suggest(db: "Database", *, model: str | None = None, min_score: float = 0.0,
                sources: list[int] | None = None,
                progress: Callable[[int], None] | None = None,
                batch_size: int = 1000) -> SuggestResult:
    """Suggest codes for every speech segment (optionally of some sources), in one transaction."""
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline

    started = time.perf_counter()
    codes = active_codes(db)
    if not codes:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    lang_row = db.execute("SELECT language FROM codebook_versions ORDER BY id DESC LIMIT 1").fetchone()
    nlp = make_pipeline(lang_row[0] if lang_row else "en", model)
    matcher = LexicalMatcher(nlp, codes)

    where, params = "kind = 'speech'", []
    if sources:
        where += f" AND source_id IN ({','.join('?' * len(sources))})"
        params = list(sources)
    segments = db.execute(
        f"SELECT id, source_id, start, end, pieces, text, words FROM segments WHERE {where} ORDER BY id", params
    ).fetchall()
    existing: dict[tuple[int, str], tuple[int, str]] = {
        (r[0], r[1]): (r[2], r[3]) for r in db.execute(
            "SELECT segment_id, code_id, id, status FROM codings WHERE origin = 'suggest'").fetchall()
    }
    if sources:
        seg_ids = {s[0] for s in segments}
        existing = {k: v for k, v in existing.items() if k[0] in seg_ids}

    inserts, updates, seen = [], [], set()
    kept = 0
    created = now()
    texts = (row[5] for row in segments)
    for row, doc in zip(segments, nlp.pipe(texts, batch_size=batch_size)):
        seg_id, source_id, seg_start, seg_end, pieces_json = row[0], row[1], row[2], row[3], row[4]
        pieces = json.loads(pieces_json) if pieces_json else None
        for code_id, match in matcher.match(doc).items():
            score = match.score
            if score < min_score:
                continue
            evidence = []
            for ev in match.evidence:
                item = ev.as_dict()
                if pieces:
                    item["start"], item["end"] = piece_offset(pieces, ev.start), piece_offset(pieces, ev.end)
                else:
                    item["start"], item["end"] = seg_start + ev.start, seg_start + ev.end
                evidence.append(item)
            payload = json.dumps(evidence, ensure_ascii=False)
            key = (seg_id, code_id)
            seen.add(key)
            prior = existing.get(key)
            if prior is None:
                inserts.append((source_id, seg_id, code_id, seg_start, seg_end, match.method, score, payload, created))
            elif prior[1] == "suggested":
                updates.append((match.method, score, payload, prior[0]))
            else:
                kept += 1
        if progress:
            progress(1)

    stale = [v[0] for k, v in existing.items() if k not in seen and v[1] == "suggested"]
    with db.atomic():
        conn = db.conn
        conn.executemany(
            "INSERT INTO codings (source_id, segment_id, code_id, start, end, status, origin, method, "
            "score, evidence, created_at) VALUES (?, ?, ?, ?, ?, 'suggested', 'suggest', ?, ?, ?, ?)", inserts)
        conn.executemany("UPDATE codings SET method = ?, score = ?, evidence = ? WHERE id = ?", updates)
        conn.executemany("DELETE FROM codings WHERE id = ?", [(i,) for i in stale])
        db.execute(
            "INSERT INTO events (at, actor, action, detail) VALUES (?, 'qualcode', 'suggest', ?)",
            [created, json.dumps({"new": len(inserts), "updated": len(updates), "withdrawn": len(stale),
                                  "model": model or f"blank:{nlp.lang}"})],
        )
    pending = db.execute("SELECT count(*) FROM codings WHERE origin = 'suggest' AND status = 'suggested'").fetchone()[0]
    return SuggestResult(
        segments=len(segments), words=sum(r[6] for r in segments), suggested=pending,
        new=len(inserts), updated=len(updates), withdrawn=len(stale), kept_decided=kept,
        seconds=time.perf_counter() - started,
    )
