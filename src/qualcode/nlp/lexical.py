"""The lexical layer: codebook keywords (on lemmas and on lower-case words) and spaCy
Matcher token patterns.

Each match is evidence: which keyword or pattern matched, the words, and their character
offsets within the text given to spaCy. A match preceded (within a few words of the same
clause) by a hedge ("maybe", "I guess") still evidences the code, marked ``hedged``. One
preceded by a negation ("I don't drink at all anymore") counts *against* the code, marked
``negated``: there is no parser offline, so negation scope is a window rule (a negation cue
among the ``CUE_WINDOW`` words before the match, not past punctuation), except when a verb
that flips it stands between the two ("I couldn't stop drinking" is about drinking).
Scores combine the distinct pieces of evidence (noisy-OR): one single-word keyword is weak,
a multi-word phrase or a hand-written pattern is stronger, and several distinct matches add
up, never past 1; negated matches subtract theirs (``NEGATED``), so a segment with only
negated matches scores below 0.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from qualcode.codebook.model import Code
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    import numpy
    from spacy.language import Language
    from spacy.tokens import Doc

# Evidence weights (documented in the README's "How suggestions are scored").
WEIGHT_WORD = 0.35
WEIGHT_PHRASE = 0.5
WEIGHT_PATTERN = 0.55
WEIGHT_REPEAT = 0.05  # each further match of a term already counted
CUE_WINDOW = 4  # words before a match that are searched for a negation or hedge
NEGATED = 1.0  # a negated match's weight, counted against the code
# Verbs that turn a negation before them into an affirmation of what follows ("can't stop
# drinking", "couldn't help crying"): a negation cue beyond one of these does not negate.
FLIPS: dict[str, set[str]] = {
    "en": {"stop", "quit", "help", "resist", "avoid", "deny", "imagine", "remember", "forget", "wait"},
}

# Negation and hedging cues, as lower-case lemmas or words, per language (the default
# pipeline's lemmas are lower-case). Multi-word hedges are matched as word sequences.
NEGATIONS: dict[str, set[str]] = {
    "en": {"not", "no", "never", "nobody", "nothing", "neither", "nor", "without", "hardly", "barely", "none",
           "n't", "cannot"},
    "da": {"ikke", "aldrig", "ingen", "intet", "ingenting", "uden", "hverken"},
    "de": {"nicht", "kein", "keine", "keinen", "keiner", "nie", "niemals", "ohne", "weder", "nichts"},
    "nl": {"niet", "geen", "nooit", "zonder", "niets", "niemand", "noch"},
    "fr": {"ne", "n'", "pas", "jamais", "aucun", "aucune", "sans", "rien", "personne", "ni"},
}
HEDGES: dict[str, set[str]] = {
    "en": {"maybe", "perhaps", "possibly", "probably", "might", "guess", "suppose", "somewhat", "kind of",
           "sort of", "i think", "not sure", "seem"},
    "da": {"måske", "muligvis", "nok", "vel", "tror", "lidt"},
    "de": {"vielleicht", "wohl", "eventuell", "möglicherweise", "irgendwie", "glauben"},
    "nl": {"misschien", "wellicht", "mogelijk", "eigenlijk", "denken", "soort van"},
    "fr": {"peut-être", "probablement", "sans doute", "plutôt", "genre", "croire"},
}


@dataclass
class Evidence:
    kind: str  # keyword | pattern
    term: str  # the keyword, or "pattern N"
    text: str  # the matched words
    start: int  # character offsets in the matched text
    end: int
    weight: float
    negated: bool = False
    hedged: bool = False

    def as_dict(self) -> dict[str, Any]:
        item: dict[str, Any] = {"kind": self.kind, "term": self.term, "text": self.text,
                                "start": self.start, "end": self.end}
        what = "keyword" if self.kind == "keyword" else "token pattern"
        item["reason"] = f"matches the code's {what} '{self.term}'" if self.kind == "keyword" else \
            f"matches the code's {what} ({self.term})"
        if self.negated:
            item["negated"] = True
            item["reason"] += ", negated: counts against the code"
        if self.hedged:
            item["hedged"] = True
            item["reason"] += ", hedged"
        return item


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
        """Noisy-OR of the affirmed evidence, minus ``NEGATED`` times that of the negated."""
        miss = {False: 1.0, True: 1.0}
        counted: set[str] = set()
        for ev in self.evidence:
            key = f"{ev.negated}:{ev.kind}:{ev.term}"
            weight = ev.weight if key not in counted else WEIGHT_REPEAT
            counted.add(key)
            miss[ev.negated] *= 1.0 - weight
        return round((1.0 - miss[False]) - NEGATED * (1.0 - miss[True]), 3)


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


def _windowed(doc: "Doc", words: "numpy.ndarray", matcher: Any, reqs: list[set[int]], length: int
              ) -> list[tuple[int, int, int]]:
    """Run ``matcher`` only on windows around the words a match must contain (``words``: the
    Doc's LOWER and LEMMA hashes). The Matcher builds Python Token objects for ``IN``
    predicates, so whole long turns cost milliseconds; a match of at most ``length`` tokens
    lies within ``length`` tokens of its required word."""
    import numpy

    if not length or not reqs:
        return list(matcher(doc))
    rarest: set[int] = min(reqs, key=len)
    anchor = numpy.fromiter(rarest, dtype=numpy.uint64, count=len(rarest))
    positions = numpy.flatnonzero(numpy.isin(words, anchor).any(axis=1)).tolist()
    found: set[tuple[int, int, int]] = set()
    windows: list[list[int]] = []
    for p in positions:
        start, end = max(0, p - length + 1), min(len(doc), p + length)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    for start, end in windows:
        found.update((m, start + s, start + e) for m, s, e in matcher(doc[start:end]))
    return sorted(found, key=lambda h: (h[1], h[2]))


def _requirements(pattern: list[dict[str, Any]], strings: Any) -> list[set[int]]:
    """For each required token of ``pattern`` with literal LOWER/LEMMA/ORTH/TEXT values, the
    hashes of those values (lower-cased); a Doc without one of each set cannot match."""
    reqs: list[set[int]] = []
    for token in pattern:
        if str(token.get("OP", "")) in ("?", "*", "!"):
            continue
        for key in ("LOWER", "LEMMA", "ORTH", "TEXT"):
            value = token.get(key)
            values = [value] if isinstance(value, str) else (
                value.get("IN") if isinstance(value, dict) and list(value) == ["IN"] else None)
            if values and all(isinstance(v, str) for v in values):
                reqs.append({strings.add(v.lower()) for v in values})
                break
    return reqs


class LexicalMatcher:
    """Keyword (PhraseMatcher on LEMMA) and pattern (Matcher) evidence for a set of codes."""

    def __init__(self, nlp: "Language", codes: Iterable[Code]):
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = nlp
        # An installed pipeline without a lemmatizer cannot match on lemmas: words only.
        has_lemmas = any(name in nlp.pipe_names for name in ("lemmatizer", "qualcode_lemmatizer"))
        self.phrases = PhraseMatcher(nlp.vocab, attr="LEMMA" if has_lemmas else "LOWER")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")  # the keyword as written, any case
        lang = nlp.lang if nlp.lang in NEGATIONS else "en"
        add = nlp.vocab.strings.add
        self._negations = {add(w) for w in NEGATIONS[lang]}
        self._flips = {add(w) for w in FLIPS.get(lang, set())}
        self._hedges = {add(h) for h in HEDGES[lang] if " " not in h}
        self._hedge_phrases = [tuple(add(w) for w in h.split()) for h in HEDGES[lang] if " " in h]
        self._apostrophes = {add("'"), add("-")}
        self._keyword: dict[int, tuple[str, str, float]] = {}  # match id -> code, term, weight
        self._pattern: dict[int, tuple[str, str]] = {}
        # One Matcher per pattern, with the word sets a Doc must contain for it to possibly
        # match: the Matcher is slow (see NLP notes), so each pattern only runs where it could.
        self._matchers: list[tuple[list[set[int]], Any, int]] = []  # requirements, matcher, max length
        strings = nlp.vocab.strings
        keyword_items: list[tuple[str, str]] = []
        for code in codes:
            keyword_items.extend((code.id, kw) for kw in dict.fromkeys(k.strip().lower() for k in code.keywords) if kw)
            for i, pattern in enumerate(code.patterns, start=1):
                key = f"{code.id}\x1fpattern {i}"
                lowered = _lower_lemmas(pattern)
                matcher = Matcher(nlp.vocab)
                try:
                    matcher.add(key, [lowered])
                except re.error as exc:  # loaded by a qualcode that did not check patterns
                    raise QualcodeError(f"code '{code.id}' pattern {i} has a REGEX that does not compile ({exc}); "
                                        "fix it in the codebook and load it again") from None
                self._pattern[strings.add(key)] = (code.id, f"pattern {i}")
                bounded = not any(str(t.get("OP", "")) in ("*", "+") for t in lowered)
                self._matchers.append((_requirements(lowered, strings), matcher, len(lowered) if bounded else 0))
        docs = nlp.pipe(kw for _, kw in keyword_items)
        for (code_id, kw), doc in zip(keyword_items, docs):
            if not len(doc):
                continue
            key = f"{code_id}\x1fkeyword {kw}"
            self.phrases.add(key, [doc])
            self.lower.add(key, [doc])
            weight = WEIGHT_PHRASE if len(doc) > 1 else WEIGHT_WORD
            self._keyword[strings.add(key)] = (code_id, kw, weight)
        self.has_patterns = bool(self._matchers)

    def match(self, doc: "Doc") -> dict[str, CodeMatch]:
        from spacy.attrs import IS_PUNCT, LEMMA, LOWER

        hits = [(m, s, e, "keyword") for m, s, e in self.phrases(doc)]
        if self._keyword:
            hits += [(m, s, e, "keyword") for m, s, e in self.lower(doc)]
        arr = doc.to_array([LOWER, LEMMA, IS_PUNCT]) if self.has_patterns else None
        if arr is not None:
            present = set(arr[:, 0].tolist())  # the Doc's words and lemmas (two columns: faster than rows)
            present.update(arr[:, 1].tolist())
            for reqs, matcher, length in self._matchers:  # only the patterns whose words all occur
                for req in reqs:
                    if req.isdisjoint(present):
                        break
                else:
                    hits += [(m, s, e, "pattern") for m, s, e in _windowed(doc, arr[:, :2], matcher, reqs, length)]
        if not hits:
            return {}
        rows: list[list[int]] = (arr if arr is not None else doc.to_array([LOWER, LEMMA, IS_PUNCT])).tolist()
        found: dict[str, CodeMatch] = {}
        seen: set[tuple[int, int, int]] = set()
        for match_id, start, end, kind in hits:
            if (match_id, start, end) in seen:  # the same words, by lemma and by form
                continue
            seen.add((match_id, start, end))
            if kind == "keyword":
                code_id, term, weight = self._keyword[match_id]
            else:
                (code_id, term), weight = self._pattern[match_id], WEIGHT_PATTERN
            span = doc[start:end]
            negated, hedged = self._cues(rows, start)
            found.setdefault(code_id, CodeMatch(code_id)).evidence.append(
                Evidence(kind, term, span.text, span.start_char, span.end_char, weight, negated, hedged))
        for m in found.values():
            m.evidence.sort(key=lambda e: (e.start, e.end, e.kind))
        return found

    def _cues(self, rows: list[list[int]], start: int) -> tuple[bool, bool]:
        """Is there a negation or a hedge in the few words before token ``start`` (rows of
        LOWER, LEMMA, IS_PUNCT hashes), within its clause?"""
        window: list[int] = []  # LOWER hashes, nearest first
        negated = hedged = False
        flipped = False
        for lower, lemma, punct in reversed(rows[max(0, start - CUE_WINDOW):start]):
            if punct and lower not in self._apostrophes:
                break
            window.append(lower)
            flipped = flipped or lower in self._flips or lemma in self._flips
            negated = negated or (not flipped and (lower in self._negations or lemma in self._negations))
            hedged = hedged or lower in self._hedges or lemma in self._hedges
        if not hedged and self._hedge_phrases and len(window) > 1:
            seq = tuple(reversed(window))
            hedged = any(seq[i:i + len(p)] == p for p in self._hedge_phrases for i in range(len(seq)))
        return negated, hedged
