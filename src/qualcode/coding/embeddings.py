"""The project's cache of sentence embeddings (table ``embedding_cache``, migration m013).

An embedding depends only on the text and the model, and costs about a millisecond per word
of speech on a laptop CPU, so each distinct text is embedded once per model: rows are keyed
by a hash of the text and the model's key (its name and weights' checksum) and hold the unit
vector as float16 (768 bytes for MiniLM; cosines change by under 0.001). A second
``suggest`` reads every vector from here and never loads the model.

New vectors are written in their own short transaction as soon as they are computed, before
scoring: they are derived data, not a decision, and a long first run that fails later (or
is interrupted) keeps the work it did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    import numpy
    from sqlite_utils import Database

    from qualcode.nlp.semantic import EmbeddingModel

READ_CHUNK = 500  # hashes per SELECT (SQLite's variable limit is far above)


class EmbeddingCache:
    """``cached_embeddings`` for one project and model, counting the texts it embedded."""

    def __init__(self, db: "Database | None", model: "EmbeddingModel"):
        self.db, self.model, self.embedded = db, model, 0

    def __call__(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> "numpy.ndarray":
        return cached_embeddings(self.db, self.model, texts, progress, self)


def cached_embeddings(db: "Database | None", model: "EmbeddingModel", texts: Sequence[str],
                      progress: Callable[[int], None] | None = None,
                      counter: EmbeddingCache | None = None) -> "numpy.ndarray":
    """A unit vector per text, from the cache where possible; the others are embedded with
    the model and stored. ``progress(n)`` counts texts done (cached ones first). Without a
    project (``db`` None: benchmark folders) nothing is cached."""
    import numpy

    from qualcode.nlp.analysis import text_key
    from qualcode.nlp.semantic import Encoder

    out = numpy.zeros((len(texts), model.dimension), dtype=numpy.float32)
    hashes = [text_key(t) for t in texts]
    found: dict[str, bytes] = {}
    if db is not None:
        distinct = list(dict.fromkeys(hashes))
        for a in range(0, len(distinct), READ_CHUNK):
            chunk = distinct[a:a + READ_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(db.execute(f"SELECT text_hash, vector FROM embedding_cache WHERE model = ? "
                                    f"AND text_hash IN ({marks})", [model.key, *chunk]).fetchall())
    todo: dict[str, list[int]] = {}
    for i, h in enumerate(hashes):
        if h in found:
            out[i] = numpy.frombuffer(found[h], dtype="<f2")
        else:
            todo.setdefault(h, []).append(i)
    if progress:
        progress(len(texts) - sum(len(v) for v in todo.values()))
    if not todo:
        return out
    firsts = [idx[0] for idx in todo.values()]
    counts = {pos: len(idx) for pos, idx in enumerate(todo.values())}
    done = [0]

    def advance(n: int) -> None:  # the encoder counts distinct texts; the bar counts segments
        if progress:
            progress(sum(counts[p] for p in range(done[0], done[0] + n)))
        done[0] += n

    # rounded as the cache stores them, so a first run and a cached re-run score alike
    fresh = Encoder(model).encode([texts[i] for i in firsts], advance).astype("<f2").astype(numpy.float32)
    if counter is not None:
        counter.embedded += len(firsts)
    for vector, idx in zip(fresh, todo.values()):
        out[idx] = vector
    if db is not None:
        with db.atomic():
            db.conn.executemany(
                "INSERT OR REPLACE INTO embedding_cache (text_hash, model, vector) VALUES (?, ?, ?)",
                [(h, model.key, v.astype("<f2").tobytes()) for h, v in zip(todo, fresh)])
    return out
