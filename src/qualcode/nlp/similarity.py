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


@dataclass
class Profile:
    code: Code
    parts: list[tuple[str, str, list[str]]]  # (label, text, content lemmas)
    name: list[str]  # content lemmas of the code's own name (its last path part)


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
    flat = [text for parts in raw for _, text in parts]
    docs = iter([lemmas(doc) for doc in nlp.pipe(flat)])
    profiles = []
    for code, parts in zip(codes, raw):
        lemmatised = [(label, text, next(docs)) for label, text in parts]
        profiles.append(Profile(code, lemmatised, lemmatised[0][2] if lemmatised else []))
    return profiles


@dataclass
class Similarity:
    score: "numpy.ndarray"  # segments x codes, cosine in [0, 1]
    best_part: "numpy.ndarray"  # index into the profile's parts of the closest part
    name_share: "numpy.ndarray"  # share of the name's content lemmas present
    vectorizer: Any  # the fitted TF-IDF
    vectors: bool = False  # word vectors were averaged in
    name_words: list[list[str]] = field(default_factory=list)  # per code, the name words counted


def similarity(segments: Sequence[list[str]], profiles: Sequence[Profile],
               nlp: "Language | None" = None) -> Similarity:
    """Similarity of every segment (content lemmas) to every code profile."""
    import numpy

    from qualcode.nlp.sparse import Tfidf

    vec = Tfidf()
    part_lemmas = [p[2] for prof in profiles for p in prof.parts]
    vec.fit(list(segments) + [p for p in part_lemmas if p])
    X = vec.transform(segments)
    whole = vec.transform([prof.name * 2 + [w for p in prof.parts[1:] for w in p[2]] for prof in profiles])
    n, k = X.shape[0], len(profiles)
    score = numpy.asarray((X @ whole.T).todense()) if k else numpy.zeros((n, 0))
    P = (X @ vec.transform(part_lemmas).T).toarray() if part_lemmas else numpy.zeros((n, 0))
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
    name_words: list[list[str]] = []
    vocab = vec.vocabulary
    present = (X > 0).tocsc()
    df = numpy.asarray(present.sum(axis=0)).ravel()
    for j, prof in enumerate(profiles):
        words = distinctive_name_words(prof.name, vocab, df, n)
        name_words.append(words)
        if words:
            cols = [vocab[w] for w in words]
            name_share[:, j] = numpy.asarray(present[:, cols].sum(axis=1)).ravel() / len(words)
    return Similarity(score, best_part, name_share, vec, vectors, name_words)


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
