"""The calibration layer: the codebook's signals re-weighted by the researcher's decisions,
for codes too sparse for a classifier of their own."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from qualcode.codebook.model import Code

TOPICS = [
    ("salary", "rent", "debt", "loan"),
    ("patient", "ward", "nurse", "bed"),
    ("sleep", "tiredness", "exhaustion", "nap"),
    ("mentor", "advice", "guidance", "teacher"),
    ("family", "child", "partner", "parent"),
    ("exam", "revision", "textbook", "quiz"),
    ("anger", "frustration", "conflict", "argument"),
    ("holiday", "travel", "beach", "trip"),
]
KEYWORDS = ["coffee", "garden", "music", "football", "weather", "car", "phone", "novel"]


def codes() -> list[Code]:
    """Each code is described by its topic's words, but its keyword is a word people say
    while talking about the *next* topic: the keyword layer misleads in this project."""
    return [Code(id=f"t{k}", name=f"Theme {k}", description=f"Talk of {', '.join(words)}.",
                 keywords=[KEYWORDS[k]]) for k, words in enumerate(TOPICS)]


def corpus(docs: int = 4) -> tuple[list[str], list[str], list[str]]:
    """Segments, their document and their gold code: every turn is about one topic and
    mentions the keyword of the previous topic's code."""
    texts, groups, gold = [], [], []
    pairs = list(itertools.combinations(range(4), 2))
    for d in range(docs):
        for k, words in enumerate(TOPICS):
            a, b = pairs[(d + k) % len(pairs)]
            texts.append(f"We spoke about the {words[a]} and the {words[b]} over the {KEYWORDS[(k + 1) % 8]}.")
            groups.append(f"doc{d}")
            gold.append(f"t{k}")
    return texts, groups, gold


def table(texts: list[str], groups: list[str], labels: Any = None, recalibrate: bool = True) -> Any:
    from qualcode.nlp.analysis import analyse
    from qualcode.nlp.engine import decide, prepare
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline

    nlp = make_pipeline("en")
    analysed = list(analyse(nlp, LexicalMatcher(nlp, codes()), texts))
    return decide(prepare(nlp, codes(), analysed, groups), labels, recalibrate=recalibrate)


def p_at_1(t: Any, rows: list[int], gold: list[str]) -> float:
    return sum(t.ranking(i, 1)[0] == gold[i] for i in rows) / len(rows)


def test_decisions_teach_which_signal_to_trust_for_codes_without_a_classifier() -> None:
    from qualcode.nlp.learned import labels_from_decisions

    texts, groups, gold = corpus()
    before = table(texts, groups)
    reviewed = [i for i, g in enumerate(groups) if g in ("doc0", "doc1")]
    held_out = [i for i in range(len(texts)) if i not in reviewed]
    # the codebook alone follows the keywords, which name the wrong code here
    assert p_at_1(before, held_out, gold) <= 0.25
    decisions = [(i, gold[i], True) for i in reviewed]
    decisions += [(i, c, False) for i in reviewed for c in before.suggested_codes(i) - {gold[i]}]
    after = table(texts, groups, labels_from_decisions(decisions, set(reviewed)))
    assert not after.learned.models  # two accepted codings a code: no classifier can learn
    assert after.calibration is not None and after.calibration.positives == len(reviewed)
    weights = after.calibration.describe()["weights"]
    assert weights["lexical"] < 0 < weights["similarity"]
    assert p_at_1(after, held_out, gold) >= 0.75
    evidence = {e["kind"]: e for e in after.evidence(held_out[0], after.codes.index(
        next(c for c in after.codes if c.id == gold[held_out[0]])))}
    assert evidence["calibrated"]["accepted"] == len(reviewed)
    assert "reviewed segments" in evidence["calibrated"]["reason"]


def test_not_fitted_on_too_few_decisions_or_when_classifiers_cover_most_codes() -> None:
    import numpy

    from qualcode.nlp import calibration
    from qualcode.nlp.learned import Labels

    rng = numpy.random.default_rng(0)
    signals = calibration.Signals(*(rng.random((40, 6)) for _ in range(5)), rng.random((40, 6)) > 0.8)
    ids = [f"c{j}" for j in range(6)]

    def labels(accepted: int) -> dict[str, Labels]:
        """20 reviewed segments; the first ``accepted`` of them coded c0..c5 in turn."""
        return {cid: Labels([i for i in range(accepted) if i % 6 == j],
                            [i for i in range(20) if not (i < accepted and i % 6 == j)]) for j, cid in enumerate(ids)}

    none_learned = numpy.zeros(6, dtype=bool)
    fitted = calibration.calibrate(signals, ids, labels(20), none_learned)
    assert fitted is not None and (fitted.positives, fitted.segments) == (20, 20)
    assert calibration.calibrate(signals, ids, labels(calibration.MIN_POSITIVE - 1), none_learned) is None
    most_learned = numpy.array([True] * 5 + [False])
    assert calibration.calibrate(signals, ids, labels(20), most_learned) is None
    assert calibration.calibrate(signals, ids, {}, none_learned) is None


def test_fit_recovers_the_informative_feature_and_an_f1_threshold() -> None:
    import numpy

    from qualcode.nlp import calibration

    rng = numpy.random.default_rng(1)
    F = rng.normal(size=(400, 5, len(calibration.FEATURES)))
    y = (F[:, :, 1] + 0.2 * rng.normal(size=(400, 5)) > 1.2).astype(float)  # only "similarity" matters
    cal = calibration.fit(F, y)
    w = dict(zip(calibration.FEATURES, cal.coef))
    assert w["similarity"] > 3 * max(abs(v) for k, v in w.items() if k != "similarity")
    p = 1 / (1 + numpy.exp(-(F.reshape(-1, F.shape[-1]) @ cal.coef + cal.intercept)))
    chosen = p >= cal.threshold
    truth = y.reshape(-1) > 0
    f1 = 2 * (chosen & truth).sum() / (chosen.sum() + truth.sum())
    assert f1 > 0.8 and 0.05 < cal.threshold < 0.95
    assert calibration.best_threshold(numpy.array([3.0, 2.0, -1.0]), numpy.array([1.0, 1.0, 0.0])) == \
        pytest.approx(1 / (1 + numpy.exp(-2.0)))


def test_unweighted_logistic_predicts_the_base_rate_where_balanced_does_not() -> None:
    """Learned codes are fitted without class weights once calibrated, so that their output is a
    probability comparable with the calibration layer's: on uninformative features it is the
    share of positives (1 in 10), where class weights would pull it to one half."""
    import numpy
    from scipy import sparse

    from qualcode.nlp.sparse import Logistic

    y = numpy.array([1] + [0] * 9)
    X = sparse.csr_matrix(numpy.ones((10, 1)))
    plain = Logistic(C=100.0, balanced=False).fit(X, y).predict_proba(X)
    weighted = Logistic(C=100.0).fit(X, y).predict_proba(X)
    assert plain[0] == pytest.approx(0.1, abs=0.01)
    assert weighted[0] == pytest.approx(0.5, abs=0.01)


def test_suggest_re_weights_the_signals_after_a_sparse_review(run: Any, project: Any, write_file: Any) -> None:
    """End to end: two of four focus groups coded by hand (two codings per code, too few for
    any classifier); the next ``suggest`` says it re-weighted the signals, and in the other
    two groups the best suggestion of most turns is now the right code, with the evidence."""
    import json
    import sqlite3

    import yaml

    texts, groups, gold = corpus()
    files = []
    for d in range(4):
        lines = [f"P{i}: {t}" for i, (t, g) in enumerate(zip(texts, groups)) if g == f"doc{d}"]
        files.append(write_file(f"doc{d}.txt", "\n".join(lines) + "\n"))
    run("ingest", *files)
    book = {"codes": [{"id": c.id, "name": c.name, "description": c.description, "keywords": c.keywords}
                      for c in codes()]}
    run("codebook", "load", write_file("cb.yaml", yaml.safe_dump(book)))
    run("suggest")
    conn = sqlite3.connect(project)
    segs = conn.execute("SELECT s.id, src.name FROM segments s JOIN sources src ON src.id = s.source_id "
                        "WHERE s.kind = 'speech' ORDER BY src.name, s.ordinal").fetchall()
    conn.close()
    assert len(segs) == len(texts)
    for (seg, _), code, group in zip(segs, gold, groups):
        if group in ("doc0", "doc1"):
            run("--coder", "kim", "code", str(seg), code)
    result = run("suggest")
    assert "signals re-weighted on 16 accepted coding(s)" in result.stderr
    conn = sqlite3.connect(project)
    best = dict(conn.execute(
        "SELECT segment_id, code_id FROM codings c WHERE origin = 'suggest' AND score = "
        "(SELECT max(score) FROM codings d WHERE d.segment_id = c.segment_id AND d.origin = 'suggest')"
    ).fetchall())
    pending = conn.execute("SELECT evidence, method FROM codings WHERE origin = 'suggest' AND status = 'suggested'"
                           ).fetchall()
    evidence = [json.loads(e) for e, _ in pending]
    assert pending and all(m.endswith("calibrated") for _, m in pending)
    conn.close()
    held_out = [(seg, code) for (seg, _), code, group in zip(segs, gold, groups) if group in ("doc2", "doc3")]
    assert sum(best.get(seg) == code for seg, code in held_out) >= 0.75 * len(held_out)
    assert all(any(item["kind"] == "calibrated" for item in ev) for ev in evidence)


def test_learned_classifiers_are_probabilities_once_calibrated() -> None:
    """When the calibration layer is fitted, a learned code's classifier is fitted without
    class weights from the calibrated logit: over the segments it was trained on, its
    probabilities then add up to the number of accepted codings (the intercept's optimum),
    where class weights would inflate them towards one half each."""
    import numpy

    from qualcode.nlp.learned import labels_from_decisions

    texts, groups, gold = corpus(docs=6)
    reviewed = [i for i, g in enumerate(groups) if g != "doc5"]
    # t0..t2 are coded in all five reviewed groups (enough for a classifier), the other
    # codes only in the first two (two codings each: the calibration layer's job)
    decisions = [(i, gold[i], True) for i in reviewed
                 if gold[i] in ("t0", "t1", "t2") or groups[i] in ("doc0", "doc1")]
    t = table(texts, groups, labels_from_decisions(decisions, set(reviewed)))
    assert t.calibration is not None
    learned = {t.codes[j].id: j for j in t.learned.models}
    assert set(learned) == {"t0", "t1", "t2"}
    for code, j in learned.items():
        total = float(numpy.sum(t.learned.probability[reviewed, j]))
        assert total == pytest.approx(5.0, abs=0.05), code


def test_one_cap_for_every_code_once_calibrated() -> None:
    """Learned codes may take 3 places and zero-shot codes 2, but once every score is the
    calibration layer's, the best 4 of any kind above the boundary are suggested."""
    import numpy

    from qualcode.nlp.combine import TOP_CALIBRATED, suggestion_mask

    score = numpy.array([[0.9, 0.8, 0.7, 0.6, 0.55, 0.4]])
    none = numpy.zeros(6, dtype=bool)
    learned = numpy.array([False, False, False, True, False, False])  # fourth best: past a learned code's 3
    no_hit = numpy.zeros(score.shape, dtype=bool)
    assert suggestion_mask(score, none, no_hit).tolist() == [[True, True, False, False, False, False]]
    assert suggestion_mask(score, learned, no_hit).tolist() == [[True, True, False, False, False, False]]
    assert TOP_CALIBRATED == 4
    for kinds in (none, learned):
        assert suggestion_mask(score, kinds, no_hit, calibrated=True).tolist() == \
            [[True, True, True, True, False, False]]


def test_rare_matches_count_for_more_than_common_ones() -> None:
    """A code whose name matches 4 turns of 400 (every one of them coded with it) and one whose
    name matches 200 (4 of them coded): only the rarity of the match tells them apart, and the
    calibration layer learns from it that a rare match is worth suggesting."""
    import numpy

    from qualcode.nlp import calibration

    rng = numpy.random.default_rng(2)
    n = 400
    noise = [rng.random((n, 2)) * 0.1 for _ in range(5)]
    match = numpy.zeros((n, 2), dtype=bool)
    match[:4, 0] = True  # code 0: rare match, always right
    match[:200, 1] = True  # code 1: common match, right 4 times in 200
    applied = numpy.zeros((n, 2))
    applied[:4, 0] = 1
    applied[[0, 50, 100, 150], 1] = 1
    signals = calibration.Signals(*noise, match)
    cal = calibration.fit(signals.features(slice(None)), applied)
    p = 1 / (1 + numpy.exp(-signals.logit(cal)))
    assert cal.describe()["weights"]["rare match"] > 0
    assert p[:4, 0].min() > 0.5 > p[:200, 1].max()
    assert p[:4, 0].min() >= cal.threshold > p[:200, 1].max()


def test_expected_f1_threshold_is_the_best_cut_under_the_probabilities() -> None:
    """Per code, the threshold maximises the F1 expected under the probabilities themselves
    (checked against every possible cut), so a code whose probabilities are all low still gets
    its likeliest segments suggested, and a frequent code is not suggested everywhere."""
    import numpy

    from qualcode.nlp.calibration import expected_f1_threshold

    rng = numpy.random.default_rng(3)
    P = numpy.column_stack([rng.beta(0.5, 8, 300), rng.beta(2, 2, 300), rng.beta(0.2, 20, 300)])
    cuts = expected_f1_threshold(P)
    for j in range(P.shape[1]):
        def expected_f1(cut: float) -> float:
            chosen = P[:, j] >= cut
            return 2 * P[chosen, j].sum() / (chosen.sum() + P[:, j].sum())
        best = max(expected_f1(c) for c in P[:, j])
        assert expected_f1(cuts[j]) == pytest.approx(best)
        assert (P[:, j] >= cuts[j]).any()
    # the lower a code's probabilities, the lower its threshold: the rarest is still suggested
    # where it is likeliest, and the common one is not suggested everywhere
    assert cuts[2] < cuts[0] < 0.3 < cuts[1]
    assert (P[:, 1] >= cuts[1]).mean() < 0.9
    assert expected_f1_threshold(numpy.zeros((0, 2))).tolist() == [1.0, 1.0]


def test_each_learned_code_has_its_own_threshold_once_calibrated() -> None:
    """Calibrated classifiers are suggested from their own expected-F1 threshold over the
    segments not yet reviewed: a learned code's score is 0.5 exactly there, its evidence says
    so, and within a segment codes are still ordered on the shared probability scale."""
    import numpy

    from qualcode.nlp.calibration import expected_f1_threshold
    from qualcode.nlp.combine import calibrate_learned
    from qualcode.nlp.learned import labels_from_decisions

    texts, groups, gold = corpus(docs=6)
    reviewed = [i for i, g in enumerate(groups) if g != "doc5"]
    rest = [i for i in range(len(texts)) if i not in reviewed]
    decisions = [(i, gold[i], True) for i in reviewed
                 if gold[i] in ("t0", "t1", "t2") or groups[i] in ("doc0", "doc1")]
    # the layers' own scores, before review weighs them against the codebook (nlp/probability.py)
    t = table(texts, groups, labels_from_decisions(decisions, set(reviewed)), recalibrate=False)
    assert t.calibration is not None
    cols = sorted(t.learned.models)
    own = expected_f1_threshold(t.learned.probability[numpy.ix_(rest, cols)])
    for j, cut in zip(cols, own):
        p = t.learned.probability[:, j]
        assert t.thresholds[j] == pytest.approx(cut)
        assert t.score[:, j] == pytest.approx(numpy.round(calibrate_learned(p, cut), 4))
        assert t.exact[:, j] == pytest.approx(calibrate_learned(p, t.calibration.threshold))
        i = int(numpy.argmax(p[rest]))
        item = next(e for e in t.evidence(rest[i], j) if e["kind"] == "learned")
        assert item["threshold"] == round(cut, 3) and f"suggested from {cut:.2f}" in item["reason"]
    assert any(abs(t.thresholds[j] - t.calibration.threshold) > 0.01 for j in cols)


def test_caps_rank_on_the_shared_scale() -> None:
    """``rank_by`` orders the codes for the cap while ``score`` decides the boundary: a code
    whose own threshold is low (score 0.9) but whose probability is the lowest is not let in
    over the segment's likelier codes."""
    import numpy

    from qualcode.nlp.combine import suggestion_mask

    score = numpy.array([[0.6, 0.6, 0.6, 0.6, 0.9]])
    shared = numpy.array([[0.9, 0.8, 0.7, 0.6, 0.1]])
    none = numpy.zeros(5, dtype=bool)
    no_hit = numpy.zeros(score.shape, dtype=bool)
    assert suggestion_mask(score, none, no_hit, calibrated=True).tolist()[0][4]
    assert suggestion_mask(score, none, no_hit, calibrated=True, rank_by=shared).tolist() == \
        [[True, True, True, True, False]]
