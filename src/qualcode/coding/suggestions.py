"""Running the suggestion layers over a project's segments and storing the results.

Suggestions are codings with ``origin = 'suggest'`` and ``status = 'suggested'``, one per
(segment, code). Re-running updates pending suggestions in place (never duplicates them),
leaves decided ones (accepted/rejected) alone, and withdraws pending suggestions that no
longer fire (a codebook edit removed the keyword, or decisions taught the learned layer
otherwise): those were never a decision.

``codings.score`` is the suggestion's probability of being accepted (``nlp/probability.py``:
from a prior fitted on the benchmarks, then from the project's own held-out decisions);
``codings.evidence`` lists every layer's reason, lexical items with
offsets into the source text. Every run retrains the learned layer from all decisions in
the project (accepted and rejected codings, manual codings, by any coder). The spaCy pass
is cached per segment text (``nlp_cache``), so unchanged segments are not re-analysed.

The analysis runs without holding the write lock (it can take minutes); what to insert,
update and withdraw is decided afterwards inside one write transaction, from the
suggestions as they are *then*: a suggestion another coder accepted or rejected meanwhile is
left as they decided it. If the segments or the codebook changed meanwhile (an ingest,
``ingest --replace``, a codebook load), nothing is written and the user is told to run
suggest again.

The semantic layer's sentence embeddings are cached the same way (``embedding_cache``,
``coding/embeddings.py``); it is on when its extra is installed (``embeddings``: a model
name, ``"off"``, or None for the default when installed).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from qualcode.codebook.store import active_codes
from qualcode.coding import ledger
from qualcode.coding.common import now
from qualcode.errors import QualcodeError
from qualcode.ingest.model import piece_offset

if TYPE_CHECKING:
    from sqlite_utils import Database

    from qualcode.nlp.analysis import Analysed


@dataclass
class SuggestResult:
    segments: int
    words: int
    suggested: int  # pending suggestions after the run
    new: int
    updated: int
    withdrawn: int
    kept_decided: int  # suggestions whose (segment, code) already has a decision
    seconds: float
    analysed: int = 0  # segments run through spaCy (the others came from the cache)
    learned: int = 0  # codes scored by a classifier trained on decisions
    calibrated: int = 0  # accepted codings the calibration layer was fitted on (0: not fitted)
    semantic: str | None = None  # the embedding model used, None when the layer was off
    semantic_missing: bool = False  # off only because its extra is not installed
    embedded: int = 0  # texts embedded by the model in this run (the others came from the cache)


def _language(db: "Database") -> str:
    row = db.execute("SELECT language FROM codebook_versions ORDER BY id DESC LIMIT 1").fetchone()
    return str(row[0]) if row and row[0] else "en"


def _analysed(db: "Database", texts: Sequence[str], nlp: Any, codes: list[Any], key: str,
              batch_size: int, progress: Callable[[int], None] | None) -> tuple[list["Analysed"], list[tuple[str, str]]]:
    """Each text's analysis, from the cache where possible; returns new cache rows to store."""
    from qualcode.nlp.analysis import Analysed, analyse_all, text_key
    from qualcode.nlp.lexical import LexicalMatcher

    hashes = [text_key(t) for t in texts]
    cached = dict(db.execute("SELECT text_hash, analysis FROM nlp_cache WHERE pipeline = ?", [key]).fetchall())
    out: list[Analysed | None] = [Analysed.from_json(cached[h]) if h in cached else None for h in hashes]
    if progress:
        progress(sum(1 for a in out if a is not None))
    todo: dict[str, list[int]] = {}  # distinct new texts, and the segments that have them
    for i, a in enumerate(out):
        if a is None:
            todo.setdefault(hashes[i], []).append(i)
    fresh: list[tuple[str, str]] = []
    if todo:
        matcher = LexicalMatcher(nlp, codes)
        texts_todo = [texts[idx[0]] for idx in todo.values()]
        for (h, idx), (result, stored) in zip(todo.items(), analyse_all(nlp, matcher, texts_todo, batch_size)):
            for i in idx:
                out[i] = result
            fresh.append((h, stored))
            if progress:
                progress(len(idx))
    return [a for a in out if a is not None], fresh


def _labels(db: "Database", index: dict[int, int]) -> dict[str, Any]:
    """The decisions suggest learns from (:func:`ledger.learned_from`), each turn with one a
    negative for every code not accepted there."""
    from qualcode.coding.ledger import bulk_decided, learned_from
    from qualcode.nlp.learned import labels_from_decisions

    where, params = learned_from(bulk_decided(db))
    rows = db.execute(f"SELECT segment_id, code_id, status FROM codings WHERE {where}", params).fetchall()
    return labels_from_decisions([(index[seg], code, status == "accepted") for seg, code, status in rows
                                  if seg in index])


def _source_evidence(items: list[dict[str, Any]], seg_start: int, pieces: list[Any] | None) -> list[dict[str, Any]]:
    for item in items:
        if "start" in item:
            if pieces:
                item["start"], item["end"] = piece_offset(pieces, item["start"]), piece_offset(pieces, item["end"])
            else:
                item["start"], item["end"] = seg_start + item["start"], seg_start + item["end"]
    return items


def _semantic(db: "Database", embeddings: str | None, codes: list[Any], texts: list[str],
              progress: Callable[[int], None] | None) -> tuple[Any, int]:
    """The semantic layer's input (None when off) and how many texts the model embedded."""
    from qualcode.nlp.semantic import resolve, semantic_input

    sem_model = resolve(embeddings)
    if sem_model is None:
        return None, 0
    from qualcode.coding.embeddings import EmbeddingCache

    cache = EmbeddingCache(db, sem_model)
    data = semantic_input(sem_model, codes, cache(texts, progress), cache)
    return data, cache.embedded


def run_suggest(db: "Database", *, model: str | None = None, min_score: float = 0.0,
                sources: list[int] | None = None,
                progress: Callable[[int], None] | None = None,
                batch_size: int = 1000, include_facilitators: bool = False, embeddings: str | None = None,
                embed_progress: Callable[[int], None] | None = None) -> SuggestResult:
    """Suggest codes for every speech segment (optionally of some sources); the results are
    written in one write transaction. Facilitators' turns are analysed (they are context) but
    get no suggestions unless ``include_facilitators``; their pending suggestions are withdrawn
    like any that stopped firing."""
    from qualcode.nlp.analysis import codebook_key
    from qualcode.nlp.engine import score_segments
    from qualcode.nlp.pipeline import make_pipeline

    started = time.perf_counter()
    codes = active_codes(db)
    if not codes:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    lang = _language(db)
    nlp = make_pipeline(lang, model)
    key = codebook_key(codes, model or f"blank:{lang}")
    # Every speech segment, in reading order: all of them inform IDF, context and training.
    segments = db.execute(_SEGMENTS).fetchall()
    version = _codebook_version(db)
    analysed, fresh = _analysed(db, [r[5] for r in segments], nlp, codes, key, batch_size, progress)
    index = {r[0]: i for i, r in enumerate(segments)}
    semantic, embedded = _semantic(db, embeddings, codes, [r[5] for r in segments], embed_progress)
    table = score_segments(nlp, codes, analysed, [r[1] for r in segments], _labels(db, index), semantic)

    wanted = set(sources) if sources else None
    created = now()
    with ledger.write_transaction(db):
        now_rows = db.execute(_SEGMENTS.replace("s.pieces, s.text, s.words", "NULL, NULL, NULL")).fetchall()
        if _fingerprint(now_rows) != _fingerprint(segments) or _codebook_version(db) != version:
            raise QualcodeError(CHANGED)
        quiet = set() if include_facilitators else {r[0] for r in db.execute(
            "SELECT s.id FROM speakers sp CROSS JOIN segments s ON s.speaker_id = sp.id "
            "WHERE sp.role = 'facilitator'")}
        plan = _plan(db, segments, codes, table, wanted, min_score, created, quiet)
        ledger.add_suggestions(db, plan.inserts)
        ledger.refresh_suggestions(db, plan.updates)
        withdrawn = ledger.withdraw_suggestions(db, plan.stale)
        conn = db.conn
        conn.execute("DELETE FROM nlp_cache WHERE pipeline != ?", [key])
        conn.executemany("INSERT OR REPLACE INTO nlp_cache (text_hash, pipeline, analysis) VALUES (?, ?, ?)",
                         [(h, key, a) for h, a in fresh])
        ledger.record_event(db, actor="qualcode", action="suggest", at=created, detail={
            "new": len(plan.inserts), "updated": len(plan.updates), "withdrawn": withdrawn,
            "model": model or f"blank:{nlp.lang}", "learned": len(table.learned.models),
            "calibrated": table.calibration is not None,
            "semantic": semantic.model if semantic is not None else None})
        pending = db.execute("SELECT count(*) FROM codings WHERE origin = 'suggest' AND status = 'suggested'"
                             ).fetchone()[0]
    scope = [r for r in segments if wanted is None or r[1] in wanted]
    return SuggestResult(
        segments=len(scope), words=sum(r[6] for r in scope), suggested=pending,
        new=len(plan.inserts), updated=len(plan.updates), withdrawn=withdrawn, kept_decided=plan.kept,
        seconds=time.perf_counter() - started, analysed=len(fresh), learned=len(table.learned.models),
        calibrated=table.calibration.positives if table.calibration else 0,
        semantic=semantic.model.split("@")[0] if semantic is not None else None,
        semantic_missing=semantic is None and embeddings in (None, "auto"), embedded=embedded,
    )


# Every speech segment, in reading order, with its source's checksum (to see a replacement).
_SEGMENTS = ("SELECT s.id, s.source_id, s.start, s.end, s.pieces, s.text, s.words, src.sha256 FROM segments s "
             "JOIN sources src ON src.id = s.source_id WHERE s.kind = 'speech' ORDER BY s.source_id, s.ordinal")
CHANGED = "the project changed while suggesting; run suggest again"


def _fingerprint(segments: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [(r[0], r[1], r[2], r[3], r[7]) for r in segments]


def _codebook_version(db: "Database") -> int:
    return int(db.execute("SELECT ifnull(max(id), 0) FROM codebook_versions").fetchone()[0])


@dataclass
class _Plan:
    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[tuple[Any, ...]] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    kept: int = 0


def _plan(db: "Database", segments: Sequence[Any], codes: list[Any], table: Any, wanted: set[int] | None,
          min_score: float, created: str, quiet: set[int]) -> _Plan:
    """What to write, decided from the suggestions as they are now (inside the write
    transaction): new ones, pending ones to refresh, pending ones that no longer fire."""
    existing: dict[tuple[int, str], tuple[Any, ...]] = {
        (r[0], r[1]): r[2:] for r in db.execute(
            "SELECT segment_id, code_id, id, status, method, score, evidence, source_id FROM codings "
            "WHERE origin = 'suggest'").fetchall()
        if wanted is None or r[7] in wanted
    }
    plan, seen = _Plan(), set()
    rows_i, cols_j = table.suggested.nonzero()
    for i, j in zip(rows_i.tolist(), cols_j.tolist()):
        seg_id, source_id, seg_start, seg_end, pieces_json = segments[i][:5]
        score = table.stored_score(i, j)
        if (wanted is not None and source_id not in wanted) or score < min_score or seg_id in quiet:
            continue
        code_id = codes[j].id
        pieces = json.loads(pieces_json) if pieces_json else None
        payload = json.dumps(_source_evidence(table.evidence(i, j), seg_start, pieces), ensure_ascii=False)
        key_ = (seg_id, code_id)
        seen.add(key_)
        prior = existing.get(key_)
        if prior is None:
            plan.inserts.append((source_id, seg_id, code_id, seg_start, seg_end, table.method(i, j), score, payload,
                                 created))
        elif prior[1] == "suggested":
            if prior[2:5] != (table.method(i, j), score, payload):  # only what changed is counted and written
                plan.updates.append((table.method(i, j), score, payload, prior[0]))
        else:
            plan.kept += 1
    # A pending suggestion that no longer fires is withdrawn, unless someone wrote a memo on
    # it: the memo is the researcher's thinking and must keep its coding.
    with_memo = {int(r[0]) for r in db.execute(
        "SELECT target_id FROM memos WHERE target_type = 'coding' AND target_id GLOB '[0-9]*'").fetchall()}
    plan.stale = [v[0] for k, v in existing.items() if k not in seen and v[1] == "suggested" and v[0] not in with_memo]
    return plan
