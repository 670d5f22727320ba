"""The suggestion engine: from analysed segments, a codebook and decisions to scores.

Used the same way by ``qualcode suggest`` (segments of a project) and ``qualcode evaluate``
(benchmark segments), so that what is measured is what researchers get. Segments must be
given in reading order with a group (source) each: the neighbouring turns are context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from qualcode.codebook.model import Code
from qualcode.nlp import combine, probability
from qualcode.nlp.probability import Accuracy
from qualcode.nlp.calibration import Calibration, Signals, calibrate, expected_f1_threshold
from qualcode.nlp.analysis import Analysed
from qualcode.nlp.learned import BOUNDARY as LEARNED_BOUNDARY
from qualcode.nlp.learned import Labels, LearnedScores, learn, reviewed_rows, top_terms
from qualcode.nlp.semantic import SemanticInput, SemanticScores, semantic_scores
from qualcode.nlp.similarity import Profile, Similarity, build_profiles, similarity

if TYPE_CHECKING:
    import numpy
    from spacy.language import Language


@dataclass
class ScoreTable:
    codes: list[Code]
    profiles: list[Profile]
    analysed: Sequence[Analysed]
    sim: Similarity
    lexical: "numpy.ndarray"
    zero_shot: "numpy.ndarray"
    learned: LearnedScores
    score: "numpy.ndarray"  # calibrated, segments x codes
    suggested: "numpy.ndarray"  # bool, segments x codes
    exact: "numpy.ndarray"  # the score before rounding, on one scale for all codes: it orders a segment's codes
    calibration: Calibration | None = None  # the calibration layer, fitted on the decisions
    thresholds: dict[int, float] = field(default_factory=dict)  # learned code -> its probability threshold
    # the chance that the researcher accepts each suggestion (0 where nothing is suggested):
    # what `suggest` stores as the score (nlp/probability.py)
    probability: "numpy.ndarray | None" = None
    accuracy: Accuracy | None = None  # how the probabilities were estimated
    # after decisions: which of the decisions' layers and the codebook alone rank and suggest
    # (the better on held-out reviewed segments), with the figures compared
    validation: dict[str, Any] = field(default_factory=dict)
    semantic: SemanticScores | None = None  # sentence-embedding cosines, when the layer is on

    def ranking(self, i: int, n: int = 3) -> list[str]:
        import numpy

        order = numpy.argsort(-self.exact[i], kind="stable")[:n]
        return [self.codes[j].id for j in order]

    def learned_mask(self) -> "numpy.ndarray":
        """True for the codes scored by a classifier of their own."""
        import numpy

        out = numpy.zeros(len(self.codes), dtype=bool)
        out[list(self.learned.models)] = True
        return out

    def suggested_codes(self, i: int) -> set[str]:
        return {self.codes[j].id for j in self.suggested[i].nonzero()[0]}

    def stored_score(self, i: int, j: int) -> float:
        """What `suggest` stores as the suggestion's score: its probability of being accepted."""
        prob = self.probability if self.probability is not None else self.score
        return round(float(prob[i, j]), 4)

    def shown(self, i: int) -> list[tuple[str, float]]:
        """The suggested codes of segment ``i`` with their probability, likeliest first (the
        order `review` shows them in)."""
        cols = self.suggested[i].nonzero()[0].tolist()
        prob = self.probability if self.probability is not None else self.score
        cols.sort(key=lambda j: (-float(prob[i, j]), -float(self.exact[i, j])))
        return [(self.codes[j].id, float(prob[i, j])) for j in cols]

    def method(self, i: int, j: int) -> str:
        kinds: list[str] = [k for k in ("keyword", "pattern") if k in self._lexical_kinds(i, j)]
        if self.sim.score[i, j] > 0:
            kinds.append("similarity")
        if self._semantic_lift(i, j) > 0:
            kinds.append("semantic")
        if j in self.learned.models:
            kinds.append("learned")
        elif self.calibration is not None:
            kinds.append("calibrated")
        return "+".join(kinds) or "similarity"

    def _semantic_lift(self, i: int, j: int) -> float:
        """How far the segment's semantic score for the code is above the code's corpus mean."""
        if self.semantic is None:
            return 0.0
        return float(self.semantic.score[i, j] - self.semantic.score[:, j].mean())

    def _lexical_kinds(self, i: int, j: int) -> set[str]:
        hit = self.analysed[i].lexical.get(self.codes[j].id)
        return {e["kind"] for e in hit["evidence"]} if hit else set()

    def evidence(self, i: int, j: int) -> list[dict[str, Any]]:
        """Every layer's reason for (segment i, code j); lexical offsets are within the segment."""
        code = self.codes[j]
        items: list[dict[str, Any]] = []
        if self.probability is not None and self.suggested[i, j]:
            p = float(self.probability[i, j])
            source = self.accuracy.source if self.accuracy else "benchmarks"
            items.append({"kind": "probability", "probability": round(p, 3), "source": source,
                          "reason": probability.in_words(p, self.accuracy)})
        hit = self.analysed[i].lexical.get(code.id)
        if hit:
            items += [dict(e) for e in hit["evidence"]]
        share = float(self.sim.name_share[i, j])
        if share > 0:
            words = self.sim.name_words[j] if j < len(self.sim.name_words) else []
            items.append({"kind": "name", "term": code.name, "share": round(share, 2), "words": words,
                          "reason": f"{share:.0%} of the code name's distinctive words "
                                    f"({', '.join(words)}) occur here"})
        sim = float(self.sim.score[i, j])
        if sim > 0 and self.profiles[j].parts:
            label, text, _ = self.profiles[j].parts[int(self.sim.best_part[i, j])]
            measure = "TF-IDF and word-vector cosine" if self.sim.vectors else "TF-IDF cosine"
            items.append({"kind": "similarity", "score": round(sim, 3), "closest": label,
                          "example": text[:200],
                          "reason": f"similar to the code's {label} ({measure} {sim:.2f})"})
        if self._semantic_lift(i, j) > 0 and self.profiles[j].parts:
            assert self.semantic is not None
            label, text, _ = self.profiles[j].parts[int(self.semantic.best_part[i, j])]
            cos = float(self.semantic.best[i, j])
            items.append({"kind": "semantic", "score": round(float(self.semantic.score[i, j]), 3),
                          "closest": label, "example": text[:200], "model": self.semantic.model,
                          "reason": f"close in meaning to the code's {label} (sentence-embedding cosine {cos:.2f})"})
        excl = float(self.sim.exclude[i, j]) if self.sim.exclude is not None else 0.0
        if excl >= 0.05:  # a word or two in common is not a resemblance
            items.append({"kind": "exclude", "score": round(excl, 3),
                          "reason": f"resembles the code's exclusion criteria (TF-IDF cosine {excl:.2f}): "
                                    "counts against it"})
        if self.calibration is not None and j not in self.learned.models:
            cal = self.calibration
            items.append({"kind": "calibrated", "accepted": cal.positives, "segments": cal.segments,
                          "weights": cal.describe()["weights"],
                          "reason": f"scored with the codebook's signals re-weighted by your {cal.positives} "
                                    f"accepted codings on {cal.segments} reviewed segments"})
        if j in self.learned.models:
            model = self.learned.models[j]
            p = float(self.learned.probability[i, j])
            th = self.thresholds.get(j, LEARNED_BOUNDARY)
            items.append({"kind": "learned", "probability": round(p, 3), "threshold": round(th, 3),
                          "accepted": model.accepted, "rejected": model.rejected,
                          "terms": top_terms(self.learned, i, j),
                          "reason": f"classifier trained on {model.accepted} accepted and "
                                    f"{model.rejected} rejected decisions gives {p:.2f} "
                                    f"(suggested from {th:.2f})"})
        return items


@dataclass
class Prepared:
    """What does not depend on decisions: computed once, reused for every set of labels."""
    nlp: Any
    codes: list[Code]
    analysed: Sequence[Analysed]
    groups: Sequence[Any]
    profiles: list[Profile]
    sim: Similarity
    lexical: "numpy.ndarray"
    z: "numpy.ndarray"
    match: "numpy.ndarray"
    signals: Signals
    semantic: SemanticScores | None = None
    # the matches that may be suggested beyond a segment's best codes (default: ``match``)
    bypass: "numpy.ndarray | None" = None
    # with the semantic layer: where the codebook's words alone (no embeddings) reach the boundary
    words_alone: "numpy.ndarray | None" = None


def prepare(nlp: "Language", codes: Sequence[Code], analysed: Sequence[Analysed],
            groups: Sequence[Any], embeddings: SemanticInput | None = None) -> Prepared:
    """The zero-shot layers for every segment and code; ``embeddings`` (segments' and profile
    parts', ``nlp/semantic.py``) turn the semantic layer on."""
    import numpy

    codes = list(codes)
    profiles = build_profiles(nlp, codes)
    lemmas = [a.lemmas for a in analysed]
    sim = similarity(lemmas, profiles, nlp)
    sem = semantic_scores(embeddings) if embeddings is not None else None
    n, k = len(analysed), len(codes)
    index = {c.id: j for j, c in enumerate(codes)}
    lexical = numpy.zeros((n, k))
    for i, a in enumerate(analysed):
        for code_id, hit in a.lexical.items():
            if code_id in index:
                lexical[i, index[code_id]] = hit["score"]
    name = sim.name_share
    name_hit = sim.name_share >= combine.NAME_HIT
    if sim.name_own is not None:
        # words that other codes' names share (a theme prefix) alone are no name match, and
        # count SHARED_NAME of their share towards the code
        name_hit &= sim.name_own
        name = numpy.where(sim.name_own, name, combine.SHARED_NAME * name)
    z = combine.zero_shot(sim.score, name, lexical, groups, None if sem is None else sem.score, exclude=sim.exclude)
    match = (lexical > 0) | name_hit
    bypass = match
    if sem is not None:
        # A keyword or name match is suggested beyond the segment's best codes only when the
        # codebook's words alone bring it to the boundary: the semantic layer may rank a code
        # among the best, but its lift on a weak match is no reason to show one more code
        # (scrum_quality, 183 codes: it added 2,060 such suggestions, 30 of them right).
        alone = combine.zero_shot(sim.score, name, lexical, groups, None, exclude=sim.exclude)
        words_alone = combine.calibrate_zero_shot(alone) >= combine.BOUNDARY
        bypass = match & words_alone
    else:
        words_alone = None
    signals = Signals(z, sim.score, combine.neighbours(sim.score, groups), sim.name_share, lexical, match,
                      None if sem is None else sem.score)
    return Prepared(nlp, codes, analysed, groups, profiles, sim, lexical, z, match, signals, sem, bypass, words_alone)


def score_segments(nlp: "Language", codes: Sequence[Code], analysed: Sequence[Analysed],
                   groups: Sequence[Any], labels: dict[str, Labels] | None = None,
                   embeddings: SemanticInput | None = None) -> ScoreTable:
    """Score every segment against every code with all layers; ``labels`` come from decisions;
    ``embeddings`` turn the semantic layer on."""
    return decide(prepare(nlp, codes, analysed, groups, embeddings), labels)


def decide(prep: Prepared, labels: dict[str, Labels] | None = None, *, recalibrate: bool = True) -> ScoreTable:
    """Every layer's score from ``prep`` and the decisions' ``labels``, which codes to suggest,
    and each suggestion's probability of being accepted (``nlp/probability.py``): from the
    prior fitted on the benchmarks, or, with ``recalibrate`` and enough decisions, from how
    often suggestions like it were accepted on reviewed segments held out of training."""
    import numpy

    nlp, codes, analysed, groups, z, signals = prep.nlp, prep.codes, prep.analysed, prep.groups, prep.z, prep.signals
    sem = prep.semantic
    lemmas = [a.lemmas for a in analysed]
    n, k = len(analysed), len(codes)
    exclusions = {}
    if labels:
        excl = [(c.id, c.exclude) for c in codes if c.exclude.strip()]
        from qualcode.nlp.analysis import ContentLemmas

        content = ContentLemmas(nlp)
        exclusions = {cid: content(doc) for (cid, _), doc in zip(excl, nlp.pipe(t for _, t in excl))}
    labels = labels or {}
    trainable = numpy.array([c.id in labels and labels[c.id].enough for c in codes], dtype=bool)
    match = prep.match if prep.bypass is None else prep.bypass
    cal = calibrate(signals, [c.id for c in codes], labels, trainable)
    logit = signals.logit(cal) if cal is not None else None
    learned = learn(lemmas, groups, z, [c.id for c in codes], labels, exclusions,
                    offset=logit, balanced=logit is None, semantic=None if sem is None else sem.score)
    is_learned = numpy.zeros(k, dtype=bool)
    is_learned[list(learned.models)] = True
    if logit is None:
        score = combine.calibrate_zero_shot(z)
    else:  # the calibrated probability, mapped so that 0.5 is its best-F1 threshold
        assert cal is not None
        score = combine.logistic(logit - numpy.log(cal.threshold / (1 - cal.threshold)))
    exact = score.copy()
    thresholds = {j: LEARNED_BOUNDARY if cal is None else cal.threshold for j in learned.models}
    if cal is not None and learned.models:
        # Calibrated classifiers output probabilities, and the threshold with the best F1
        # differs by code: each learned code gets its own, from its expected F1 over the
        # segments not yet reviewed (the ones being suggested on).
        unreviewed = numpy.ones(n, dtype=bool)
        unreviewed[reviewed_rows(labels)] = False
        if unreviewed.any():
            cols = sorted(learned.models)
            cuts = expected_f1_threshold(learned.probability[unreviewed][:, cols])
            thresholds.update({j: float(numpy.clip(c, 1e-4, 1 - 1e-4)) for j, c in zip(cols, cuts)})
    for j in learned.models:
        p = learned.probability[:, j]
        score[:, j] = combine.calibrate_learned(p, thresholds[j])
        # Within a segment, codes are ordered on one probability scale, not on distance from
        # each code's own threshold: a rare code's low threshold must not lift it above a
        # likelier one.
        exact[:, j] = combine.calibrate_learned(p, LEARNED_BOUNDARY if cal is None else cal.threshold)
    score = numpy.round(score, 4)
    suggested = combine.suggestion_mask(score, is_learned, match, calibrated=cal is not None, rank_by=exact)
    table = ScoreTable(codes, prep.profiles, analysed, prep.sim, prep.lexical, z, learned, score, suggested, exact,
                       cal, thresholds, semantic=sem)
    table.probability = probability.prior(table)
    if cal is None and prep.words_alone is not None:
        probability.drop_semantic_only(table, prep.words_alone)
    probability.show_best(table)
    if labels and recalibrate:
        probability.recalibrate(table, prep, labels)
    return table

