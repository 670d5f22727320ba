"""The per-segment spaCy pass: content lemmas and lexical evidence, cacheable as JSON.

This is the only step that runs spaCy over transcript text, in batches with ``nlp.pipe``.
Its output for a segment depends only on the segment's text, the pipeline and the codebook,
so a project stores it keyed by a hash of those (see ``coding/suggestions.py``): a segment
whose text and codebook are unchanged is never run through spaCy again. Everything after
this step (similarity, the learned layer, combination) is vectorised and cheap.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from qualcode.codebook.model import Code

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from qualcode.nlp.lexical import LexicalMatcher


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


def analyse(nlp: "Language", matcher: "LexicalMatcher", texts: Iterable[str],
            batch_size: int = 1000) -> Iterator[Analysed]:
    """Run the pipeline over ``texts`` (in batches) and yield each one's :class:`Analysed`."""
    lemmas = ContentLemmas(nlp)
    for doc in nlp.pipe(texts, batch_size=batch_size):
        lexical = {}
        for code_id, match in matcher.match(doc).items():
            items = [ev.as_dict() for ev in match.evidence]
            lexical[code_id] = {"score": match.score, "method": match.method, "evidence": items}
        yield Analysed(lemmas(doc), lexical)
