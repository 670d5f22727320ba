"""The per-segment spaCy pass: content lemmas and lexical evidence, cacheable as JSON.

This is the only step that runs spaCy over transcript text, in batches with ``nlp.pipe``.
Its output for a segment depends only on the segment's text, the pipeline and the codebook,
so a project stores it keyed by a hash of those (see ``coding/suggestions.py``): a segment
whose text and codebook are unchanged is never run through spaCy again. Everything after
this step (similarity, the learned layer, combination) is vectorised and cheap.

A turn longer than ``PIECE_CHARS`` (a whole interview pasted without speaker labels, say) is
analysed in pieces cut at a line or sentence end: spaCy refuses texts over ``nlp.max_length``
(1,000,000 characters, error E088) and a single Doc of that size costs gigabytes. The
pieces' lemmas are joined and their evidence offsets shifted, so the result is one analysis
whose offsets refer to the whole turn.

Many texts (``PARALLEL_CHARS`` characters or more) are analysed by as many processes as
there are CPUs this process may use, when forking is safe (:func:`workers`): this process
analyses the first share, forked workers (which inherit the pipeline and the matcher) the
rest in chunks, sending back each analysis as its cache JSON, the JSON a re-run reads from
the cache; so the results are those of one process.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from qualcode.codebook.model import Code

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from qualcode.nlp.lexical import CodeMatch, LexicalMatcher

PIECE_CHARS = 100_000  # longer texts are analysed in pieces of at most this many characters
# Texts with fewer characters in all (about 50,000 words) are analysed in this process:
# starting workers and sending texts back and forth would cost more than it saves.
PARALLEL_CHARS = 300_000
CHUNK_TEXTS = 500  # texts sent to a worker at a time (the progress bar moves per chunk)


@dataclass
class Analysed:
    lemmas: list[str]  # content lemmas (no stop words, punctuation or numbers), lower-case, in order
    lexical: dict[str, dict[str, Any]] = field(default_factory=dict)  # code id -> {score, evidence}

    def to_json(self) -> str:
        return json.dumps({"l": " ".join(self.lemmas), "x": self.lexical}, ensure_ascii=False,
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "Analysed":
        data = json.loads(text)
        return cls(data["l"].split(), data["x"])


# Bumped when what the analysis stores changes meaning (2: negated matches count against the
# code), so that cached analyses of the old kind are not reused.
ANALYSIS_VERSION = "2"


def codebook_key(codes: Iterable[Code], pipeline: str) -> str:
    """A hash of everything the lexical step depends on besides the text."""
    digest = hashlib.sha256(f"{pipeline}\x1f{ANALYSIS_VERSION}".encode("utf-8"))
    for code in codes:
        digest.update(repr((code.id, code.keywords, code.patterns)).encode("utf-8"))
    return digest.hexdigest()[:16]


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class ContentLemmas:
    """Content lemmas of a Doc, vectorised over its arrays with a per-hash string cache."""

    def __init__(self, nlp: "Language"):
        self.strings = nlp.vocab.strings
        self.stops = {s.lower() for s in nlp.Defaults.stop_words}
        self.cache: dict[int, str | None] = {}

    def _lemma(self, lemma_hash: int) -> str | None:
        lemma = self.strings[lemma_hash].lower().replace(" ", "_")
        keep = len(lemma) > 1 and lemma not in self.stops and any(ch.isalpha() for ch in lemma)
        self.cache[lemma_hash] = lemma if keep else None
        return self.cache[lemma_hash]

    def __call__(self, doc: "Doc") -> list[str]:
        from spacy.attrs import IS_ALPHA, IS_STOP, LEMMA, LOWER

        if not len(doc):
            return []
        arr = doc.to_array([LEMMA, LOWER, IS_ALPHA, IS_STOP])
        out: list[str] = []
        cache = self.cache
        for lemma_hash, lower_hash, alpha, stop in arr.tolist():
            if not alpha or stop:
                continue
            lemma_hash = lemma_hash or lower_hash  # a pipeline without a lemmatizer: the word itself
            word = cache[lemma_hash] if lemma_hash in cache else self._lemma(lemma_hash)
            if word is not None:
                out.append(word)
        return out


def pieces(text: str, limit: int = PIECE_CHARS) -> list[tuple[int, str]]:
    """``text`` as (offset, piece) pairs of at most ``limit`` characters, cut after the last
    line break in a piece's second half, else after a sentence end, else at a space (so that
    a keyword phrase is rarely cut in two), else at the limit."""
    out: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        end = start + limit
        half = start + limit // 2
        cut = text.rfind("\n", half, end) + 1
        if not cut:
            cut = max(text.rfind(mark, half, end) for mark in (". ", "? ", "! ")) + 2
        if cut < half:
            cut = text.rfind(" ", half, end) + 1
        if cut <= start:
            cut = end
        out.append((start, text[start:cut]))
        start = cut
    out.append((start, text[start:]))
    return out


def _lexical(matches: dict[str, "CodeMatch"]) -> dict[str, dict[str, Any]]:
    return {code_id: {"score": m.score, "method": m.method, "evidence": [ev.as_dict() for ev in m.evidence]}
            for code_id, m in matches.items()}


def analyse(nlp: "Language", matcher: "LexicalMatcher", texts: Iterable[str],
            batch_size: int = 1000) -> Iterator[Analysed]:
    """Run the pipeline over ``texts`` (in batches) and yield each one's :class:`Analysed`;
    a text over ``PIECE_CHARS`` characters is analysed in pieces and yielded as one."""
    from qualcode.nlp.lexical import CodeMatch

    lemmas = ContentLemmas(nlp)
    meta: deque[tuple[int, bool]] = deque()  # (offset in its text, last piece of its text)

    def split(texts: Iterable[str]) -> Iterator[str]:
        for text in texts:
            parts = pieces(text) if len(text) > PIECE_CHARS else [(0, text)]
            for n, (offset, piece) in enumerate(parts, start=1):
                meta.append((offset, n == len(parts)))
                yield piece

    words: list[str] = []
    merged: dict[str, CodeMatch] = {}
    for doc in nlp.pipe(split(texts), batch_size=batch_size):
        offset, last = meta.popleft()
        matches = matcher.match(doc)
        if offset == 0 and last:  # the common case: the text in one piece
            yield Analysed(lemmas(doc), _lexical(matches))
            continue
        words += lemmas(doc)
        for code_id, match in matches.items():
            for ev in match.evidence:
                ev.start, ev.end = ev.start + offset, ev.end + offset
            merged.setdefault(code_id, CodeMatch(code_id)).evidence.extend(match.evidence)
        if last:
            yield Analysed(words, _lexical(merged))
            words, merged = [], {}


def workers() -> int:
    """How many processes may analyse at once: the CPUs this process may use, or 1 where
    forking is unsafe or unavailable (no ``fork`` start method, macOS, or torch loaded: its
    thread pools do not survive a fork)."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin" or "torch" in sys.modules:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# The pipeline, matcher and batch size a forked worker inherits (set only while a pool runs).
_SHARED: "tuple[Language, LexicalMatcher, int] | None" = None


def _quiet_worker() -> None:
    """Ctrl-C is the parent's to handle (it stops the workers): no traceback per worker."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _analyse_chunk(texts: list[str]) -> list[str]:
    assert _SHARED is not None, "a worker forked without the pipeline"
    nlp, matcher, batch_size = _SHARED
    return [a.to_json() for a in analyse(nlp, matcher, texts, batch_size)]


def analyse_all(nlp: "Language", matcher: "LexicalMatcher", texts: Sequence[str], batch_size: int = 1000,
                processes: int | None = None) -> Iterator[tuple[Analysed, str]]:
    """Each text's :class:`Analysed` and its cache JSON, in order. With ``processes``
    (default :func:`workers`) of 2 or more and ``PARALLEL_CHARS`` characters or more, this
    process analyses the first share of the texts while ``processes - 1`` forked workers
    analyse the rest, in chunks. The results do not depend on the number of processes."""
    global _SHARED
    import multiprocessing

    # no more processes than chunks of texts: an idle worker would only cost its fork
    processes = min(workers() if processes is None else processes, len(texts) // CHUNK_TEXTS + 1)
    if processes < 2 or sum(map(len, texts)) < PARALLEL_CHARS:
        for a in analyse(nlp, matcher, texts, batch_size):
            yield a, a.to_json()
        return
    own = len(texts) // processes
    chunks = [list(texts[i:i + CHUNK_TEXTS]) for i in range(own, len(texts), CHUNK_TEXTS)]
    _SHARED = (nlp, matcher, batch_size)
    try:
        with multiprocessing.get_context("fork").Pool(processes - 1, _quiet_worker) as pool:
            theirs = pool.imap(_analyse_chunk, chunks)  # under way while this process does its share
            for a in analyse(nlp, matcher, texts[:own], batch_size):
                yield a, a.to_json()
            for chunk in theirs:
                for text in chunk:
                    yield Analysed.from_json(text), text
            pool.close()
            pool.join()
    finally:
        _SHARED = None
