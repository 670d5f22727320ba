"""The lexical layer: codebook keywords (on lemmas) and spaCy Matcher token patterns.

Each match is evidence: which keyword or pattern matched, the words, and their character
offsets within the text given to spaCy. Scores combine the distinct pieces of evidence
(noisy-OR): one single-word keyword is weak, a multi-word phrase or a hand-written pattern
is stronger, and several distinct matches add up, never past 1.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from qualcode.codebook.model import Code

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# Evidence weights (documented in the README's "How suggestions are scored").
WEIGHT_WORD = 0.35
WEIGHT_PHRASE = 0.5
WEIGHT_PATTERN = 0.55
WEIGHT_REPEAT = 0.05  # each further match of a term already counted


@dataclass
class Evidence:
    kind: str  # keyword | pattern
    term: str  # the keyword, or "pattern N"
    text: str  # the matched words
    start: int  # character offsets in the matched text
    end: int
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "term": self.term, "text": self.text,
                "start": self.start, "end": self.end}


@dataclass
class CodeMatch:
    code_id: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def method(self) -> str:
        kinds = sorted({e.kind for e in self.evidence})
        return "+".join(kinds)

    @property
    def score(self) -> float:
        miss = 1.0
        counted: set[str] = set()
        for ev in self.evidence:
            key = f"{ev.kind}:{ev.term}"
            weight = ev.weight if key not in counted else WEIGHT_REPEAT
            counted.add(key)
            miss *= 1.0 - weight
        return round(1.0 - miss, 3)


def _lower_lemmas(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our lemmas and LOWER are lower-case: lower-case pattern values so they can match."""
    pattern = copy.deepcopy(pattern)
    for token in pattern:
        for key in list(token):
            if key.upper() in ("LEMMA", "LOWER", "NORM"):
                value = token.pop(key)
                if isinstance(value, str):
                    value = value.lower()
                elif isinstance(value, dict):
                    value = {k: [v.lower() if isinstance(v, str) else v for v in vs] if isinstance(vs, list)
                             else (vs.lower() if isinstance(vs, str) else vs) for k, vs in value.items()}
                token[key.upper()] = value
    return pattern


class LexicalMatcher:
    """Keyword (PhraseMatcher on LEMMA) and pattern (Matcher) evidence for a set of codes."""

    def __init__(self, nlp: "Language", codes: Iterable[Code]):
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = nlp
        self.phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.matcher = Matcher(nlp.vocab)
        self._keyword: dict[int, tuple[str, str, float]] = {}  # match id -> code, term, weight
        self._pattern: dict[int, tuple[str, str]] = {}
        strings = nlp.vocab.strings
        keyword_items: list[tuple[str, str]] = []
        for code in codes:
            keyword_items.extend((code.id, kw) for kw in dict.fromkeys(k.strip().lower() for k in code.keywords) if kw)
            for i, pattern in enumerate(code.patterns, start=1):
                key = f"{code.id}\x1fpattern {i}"
                self.matcher.add(key, [_lower_lemmas(pattern)])
                self._pattern[strings.add(key)] = (code.id, f"pattern {i}")
        docs = nlp.pipe(kw for _, kw in keyword_items)
        for (code_id, kw), doc in zip(keyword_items, docs):
            if not len(doc):
                continue
            key = f"{code_id}\x1fkeyword {kw}"
            self.phrases.add(key, [doc])
            weight = WEIGHT_PHRASE if len(doc) > 1 else WEIGHT_WORD
            self._keyword[strings.add(key)] = (code_id, kw, weight)
        self.has_patterns = bool(self._pattern)

    def match(self, doc: "Doc") -> dict[str, CodeMatch]:
        found: dict[str, CodeMatch] = {}
        for match_id, start, end in self.phrases(doc):
            code_id, term, weight = self._keyword[match_id]
            span = doc[start:end]
            found.setdefault(code_id, CodeMatch(code_id)).evidence.append(
                Evidence("keyword", term, span.text, span.start_char, span.end_char, weight))
        if self.has_patterns:
            for match_id, start, end in self.matcher(doc):
                code_id, term = self._pattern[match_id]
                span = doc[start:end]
                found.setdefault(code_id, CodeMatch(code_id)).evidence.append(
                    Evidence("pattern", term, span.text, span.start_char, span.end_char, WEIGHT_PATTERN))
        for m in found.values():
            m.evidence.sort(key=lambda e: (e.start, e.end))
        return found
