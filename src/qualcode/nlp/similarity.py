"""The similarity layer: each segment against each code's own words.

A code's *profile* is its name (and its parents' names), description, inclusion criteria
and example quotes (keywords are the lexical layer's), each lemmatised by the same pipeline as the transcripts. A
segment's similarity to a code is the mean of two TF-IDF cosines over content lemmas (IDF
from the project's own segments): against the whole profile, and against the closest single
part of it, which the evidence names ("closest to example 2: ..."). When the pipeline has
word vectors (an installed model such as ``en_core_web_md``), the cosine of mean lemma
vectors is averaged in, so that synonyms count too.

It also gives the share of the code name's *distinctive* content words that occur in the
segment (``distinctive_name_words``), which the evidence reports as a name match: people
rarely say a code's name, but when its telling words occur ("moderator" for *Moderator
assist*) that is strong evidence, and a match of at least half of them is suggested like a
keyword match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from qualcode.codebook.model import Code

if TYPE_CHECKING:
    import numpy
    from spacy.language import Language

NAME_MAX_DF = 0.04  # a name word in more than this share of the segments is not distinctive
NAME_FEW = 3  # ... unless it is in no more segments than this
# Name words that say little on their own: generic verbs and nouns that people use about
# anything ("Thank you for sharing" is not about *Barriers to sharing*, "how do you cope" not
# about *Maladaptive coping*). They count GENERIC_WEIGHT of a word in a name match and in the
# profile. Words in several code names (a theme prefix every code of a family shares) make no
# name match alone (``name_own``; the engine also halves their share, combine.SHARED_NAME).
GENERIC = {
    "en": {"share", "cope", "feel", "talk", "say", "get", "make", "go", "use", "work", "need", "think",
           "know", "have", "do", "see", "help", "give", "take", "come", "find", "want", "thing", "way",
           "people", "time", "issue", "other", "general", "deal", "handle", "manage", "look",
           "keep", "try", "feeling", "thought", "sense", "part", "kind", "lot", "good", "bad"},
}
GENERIC_WEIGHT = 0.25


@dataclass
class Profile:
    code: Code
    parts: list[tuple[str, str, list[str]]]  # (label, text, content lemmas)
    name: list[str]  # content lemmas of the code's own name (its last path part)
    exclude: list[str] = field(default_factory=list)  # content lemmas of its exclusion criteria


def profile_parts(codes: Sequence[Code]) -> list[list[tuple[str, str]]]:
    """Per code, its profile's (label, text) parts: name, parents' names, description,
    inclusion criteria and examples (the semantic layer embeds the same parts)."""
    by_id = {c.id: c for c in codes}
    raw: list[list[tuple[str, str]]] = []
    for code in codes:
        leaf = code.name.split(" > ")[-1]
        parts = [("name", leaf)]
        parent, seen = code.parent_id, {code.id}
        while parent and parent in by_id and parent not in seen:  # a parent's name is context
            seen.add(parent)
            parts.append(("parent", by_id[parent].name.split(" > ")[-1]))
            parent = by_id[parent].parent_id
        parts += [("description", code.description), ("inclusion criteria", code.include)]
        parts += [(f"example {i}", ex) for i, ex in enumerate(code.examples, start=1)]
        raw.append([(label, text) for label, text in parts if text.strip()])
    return raw


def build_profiles(nlp: "Language", codes: Sequence[Code]) -> list[Profile]:
    from qualcode.nlp.analysis import ContentLemmas

    lemmas = ContentLemmas(nlp)
    raw = profile_parts(codes)
    flat = [text for parts in raw for _, text in parts] + [code.exclude for code in codes]
    docs = iter([lemmas(doc) for doc in nlp.pipe(flat)])
    profiles = []
    for code, parts in zip(codes, raw):
        lemmatised = [(label, text, next(docs)) for label, text in parts]
        profiles.append(Profile(code, lemmatised, lemmatised[0][2] if lemmatised else []))
    for prof in profiles:
        prof.exclude = next(docs)
    return profiles


@dataclass
class Similarity:
    score: "numpy.ndarray"  # segments x codes, cosine in [0, 1]
    best_part: "numpy.ndarray"  # index into the profile's parts of the closest part
    name_share: "numpy.ndarray"  # share of the name's content lemmas present
    vectorizer: Any  # the fitted TF-IDF
    vectors: bool = False  # word vectors were averaged in
    name_words: list[list[str]] = field(default_factory=list)  # per code, the name words counted
    exclude: "numpy.ndarray | None" = None  # segments x codes, TF-IDF cosine to the exclusion criteria
    # bool: a word of the code's name and no other code's occurs (True for a code whose every
    # name word is in other names too)
    name_own: "numpy.ndarray | None" = None


def similarity(segments: Sequence[list[str]], profiles: Sequence[Profile],
               nlp: "Language | None" = None) -> Similarity:
    """Similarity of every segment (content lemmas) to every code profile."""
    import numpy

    from qualcode.nlp.sparse import Tfidf

    vec = Tfidf()
    part_lemmas = [p[2] for prof in profiles for p in prof.parts]
    vec.fit(list(segments) + [p for p in part_lemmas if p])
    X = vec.transform(segments)
    lang = str(nlp.lang) if nlp is not None else "en"
    weights = name_weights(profiles, lang)
    word_weights = _word_weights(vec.vocabulary, lang)
    # the name counts twice in the profile, its telling words only
    whole = _reweigh(vec.transform([[w for w in prof.name if weights[j].get(w, 0) >= 1] + prof.name
                                    + [w for p in prof.parts[1:] for w in p[2]] for j, prof in enumerate(profiles)]),
                     word_weights)
    n, k = X.shape[0], len(profiles)
    score = numpy.asarray((X @ whole.T).todense()) if k else numpy.zeros((n, 0))
    P = (X @ _reweigh(vec.transform(part_lemmas), word_weights).T).toarray() if part_lemmas else numpy.zeros((n, 0))
    vectors = False
    if nlp is not None and nlp.vocab.vectors.shape[0] > 0:
        # average in the cosine of mean word vectors, for the whole profile and for each part
        vectors = True
        seg_vecs = _mean_vectors(nlp, segments)
        whole_vecs = _mean_vectors(nlp, [[w for p in prof.parts for w in p[2]] for prof in profiles])
        score = 0.5 * score + 0.5 * numpy.clip(seg_vecs @ whole_vecs.T, 0.0, 1.0)
        if part_lemmas:
            P = 0.5 * P + 0.5 * numpy.clip(seg_vecs @ _mean_vectors(nlp, part_lemmas).T, 0.0, 1.0)
    best_part = numpy.zeros((n, k), dtype=numpy.int32)
    best = numpy.zeros((n, k))
    offset = 0
    for j, prof in enumerate(profiles):
        m = len(prof.parts)
        if m and n:
            block = P[:, offset:offset + m]
            best_part[:, j] = block.argmax(axis=1)
            best[:, j] = block.max(axis=1)
        offset += m
    score = 0.5 * score + 0.5 * best
    name_share = numpy.zeros((n, k))
    name_own = numpy.zeros((n, k), dtype=bool)
    shared = _names_with(profiles)
    name_words: list[list[str]] = []
    vocab = vec.vocabulary
    present = (X > 0).tocsc()
    df = numpy.asarray(present.sum(axis=0)).ravel()
    for j, prof in enumerate(profiles):
        words = distinctive_name_words(prof.name, vocab, df, n)
        name_words.append(words)
        if words:
            cols = [vocab[w] for w in words]
            wts = numpy.array([weights[j].get(w, 1.0) for w in words])
            name_share[:, j] = numpy.asarray(present[:, cols] @ wts).ravel() / max(float(wts.sum()), 1.0)
            # a name match needs a word of this code's name alone: "burnout" is no match for
            # "Burnout cynicism" when every code of the family starts with it
            own = [w for w in set(prof.name) if shared[w] == 1]
            if own:  # said or not: "cynicism" of "Burnout cynicism" may never occur
                cols = [vocab[w] for w in own if w in vocab and df[vocab[w]]]
                if cols:
                    name_own[:, j] = numpy.asarray(present[:, cols].sum(axis=1)).ravel() > 0
            else:  # every word is in other names too ("Query process clear"): the whole name tells
                name_own[:, j] = True
    exclude = numpy.zeros((n, k))
    if any(prof.exclude for prof in profiles) and n:
        exclude = (X @ vec.transform([prof.exclude for prof in profiles]).T).toarray()
    return Similarity(score, best_part, name_share, vec, vectors, name_words, exclude, name_own)


def _word_weights(vocab: dict[str, int], lang: str) -> "numpy.ndarray":
    """A weight per vocabulary word for the codes' profiles: generic words count less.
    (Words shared by several code names keep their weight here: on pdpilot_interviews,
    dividing it as in a name match lowered P@1 and macro-F1; a theme word does say which
    family.)"""
    import numpy

    out = numpy.ones(len(vocab))
    for w in GENERIC.get(lang, set()):
        if w in vocab:
            out[vocab[w]] = GENERIC_WEIGHT
    return out


def _names_with(profiles: Sequence[Profile]) -> dict[str, int]:
    """How many code names each name word occurs in."""
    names_with: dict[str, int] = {}
    for prof in profiles:
        for w in set(prof.name):
            names_with[w] = names_with.get(w, 0) + 1
    return names_with


def _reweigh(M: Any, weights: "numpy.ndarray") -> Any:
    """Scale the columns of the L2-normalised rows of ``M`` and normalise them again."""
    import numpy
    from scipy import sparse

    M = (M @ sparse.diags(weights)).tocsr()
    norms = numpy.sqrt(numpy.asarray(M.multiply(M).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return (sparse.diags(1.0 / norms) @ M).tocsr()


def name_weights(profiles: Sequence[Profile], lang: str) -> list[dict[str, float]]:
    """Per code, how much each word of its own name counts in a name match: 1, or
    ``GENERIC_WEIGHT`` for a generic word. (Dividing a word's weight by the number of code
    names it is in was measured: it lowered serdif_usability's macro-F1 from 0.132 to 0.118
    on 8 sessions, where "useful" and "complex" end six names each; ``name_own`` handles the
    theme prefix instead.)"""
    generic = GENERIC.get(lang, set())
    return [{w: (GENERIC_WEIGHT if w in generic else 1.0) for w in prof.name} for prof in profiles]


def distinctive_name_words(name: list[str], vocab: dict[str, int], df: "numpy.ndarray", n: int) -> list[str]:
    """The words of a code's name that can evidence it in these segments: those that occur
    in them at all, and of those the ones in at most ``NAME_MAX_DF`` of the segments (or in
    a handful, for a small project) (a word
    in every tenth turn, like "data" in a data tool's usability test, says little about any
    one code); when every word is that common, all of them."""
    occurring = [w for w in dict.fromkeys(name) if w in vocab and df[vocab[w]] > 0]
    rare = [w for w in occurring if df[vocab[w]] <= max(NAME_MAX_DF * n, NAME_FEW)]
    return rare or occurring


def _mean_vectors(nlp: "Language", docs: Sequence[list[str]]) -> "numpy.ndarray":
    """Unit-length mean word vector of each list of lemmas (zeros where no word has one)."""
    import numpy

    vocab = nlp.vocab
    dim = vocab.vectors.shape[1]
    cache: dict[str, "numpy.ndarray"] = {}
    out = numpy.zeros((len(docs), dim), dtype="float32")
    for i, words in enumerate(docs):
        vs = []
        for w in words:
            if w not in cache:
                cache[w] = numpy.asarray(vocab[w].vector) if vocab.has_vector(w) else numpy.zeros(dim, dtype="float32")
            vs.append(cache[w])
        if vs:
            v = numpy.mean(vs, axis=0)
            norm = numpy.linalg.norm(v)
            out[i] = v / norm if norm else v
    return out
