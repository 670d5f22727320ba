"""Scores are probabilities (issue 15.3): a prior from the benchmarks before any decision, a
held-out recalibration after them, calibration figures in `evaluate`, and words in the
evidence that say how sure the tool is."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from qualcode.nlp.metrics import calibration, score
from qualcode.nlp.probability import Accuracy, in_words
from tests.conftest import Run
from tests.test_calibration import corpus


def test_calibration_buckets_and_ece_by_hand() -> None:
    buckets, ece = calibration([0.05, 0.15, 0.95, 0.97, 0.92, 1.0], [False, True, True, True, False, True])
    by_range = {(b.start, b.end): (b.suggestions, b.correct) for b in buckets}
    assert by_range[(0.0, 0.1)] == (1, 0) and by_range[(0.1, 0.2)] == (1, 1)
    assert by_range[(0.9, 0.95)] == (1, 0) and by_range[(0.95, 1.0)] == (3, 3)  # 1.0 is in the top bucket
    # |0.05 - 0| + |0.15 - 1| + |0.92 - 0| + 3 * |0.9733 - 1|, over 6 suggestions
    assert ece == pytest.approx((0.05 + 0.85 + 0.92 + 3 * (1 - (0.95 + 0.97 + 1.0) / 3)) / 6)


def test_shown_p_at_1_counts_a_coded_segment_given_nothing_as_wrong() -> None:
    m = score([["a", "b"], ["b", "a"], ["a"]], [["b", "a"], [], ["a"]], [{"a"}, {"a"}, set()],
              [[0.9, 0.4], [], [0.3]])
    assert m.p_at_1 == 0.5  # the ranking's first code is right on segment 0
    assert m.shown_p_at_1 == 0.0  # the first *shown* code there is b; segment 1 shows nothing
    assert m.coverage == 0.5
    assert m.confident is not None and (m.confident.suggestions, m.confident.correct) == (1, 0)


def test_in_words() -> None:
    prior = Accuracy("benchmarks", 1000, 300)
    assert in_words(0.78, prior).startswith("about 8 in 10 suggestions like this were accepted in benchmark")
    assert in_words(0.03, prior).startswith("fewer than 1 in 10")
    mine = Accuracy("decisions", 64, 20)
    assert in_words(0.31, mine) == ("about 3 in 10 suggestions like this were accepted (checked on 64 of your "
                                    "decisions held out from training)")


def test_evaluate_json_gives_calibration_per_unit_and_share(run: Run, tmp_path: Path) -> None:
    from tests.test_evaluate import CODEBOOK, DOCS

    root = tmp_path / "bench"
    root.mkdir()
    (root / "documents.jsonl").write_text("".join(json.dumps({"doc_id": d, "text": t}) + "\n" for d, t in DOCS))
    (root / "codebook.yaml").write_text(CODEBOOK)
    (root / "codings.jsonl").write_text("")
    out = json.loads(run("evaluate", root, "--unit", "utterance", "--simulate-review", "0.5", "--format",
                         "json").stdout)
    for r in out:
        assert [(b["from"], b["to"]) for b in r["calibration"]][-2:] == [(0.9, 0.95), (0.95, 1.0)]
        assert set(r["calibration"][0]) == {"from", "to", "suggestions", "precision"}
        assert isinstance(r["ece"], float) and {"shown_p_at_1", "coverage", "confident"} <= set(r)


def _decide(texts: list[str], groups: list[str], decisions: list[tuple[int, str, bool]] | None = None,
            reviewed: set[int] | None = None):  # type: ignore[no-untyped-def]
    from qualcode.nlp.analysis import analyse
    from qualcode.nlp.engine import decide, prepare
    from qualcode.nlp.learned import labels_from_decisions
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline
    from tests.test_calibration import codes

    nlp = make_pipeline("en")
    analysed = list(analyse(nlp, LexicalMatcher(nlp, codes()), texts))
    labels = labels_from_decisions(decisions, reviewed) if decisions else None
    return decide(prepare(nlp, codes(), analysed, groups), labels)


def test_before_decisions_the_prior_after_them_the_held_out_decisions() -> None:
    """The codebook's keywords name the wrong code in this corpus (tests/test_calibration):
    before review the scores are the benchmark prior's; after review they are refitted on
    held-out decisions, and the suggestions that review keeps are scored higher than the ones
    it rejects."""
    texts, groups, gold = corpus(docs=6)
    before = _decide(texts, groups)
    assert before.accuracy is not None and before.accuracy.source == "benchmarks"
    assert before.probability is not None
    assert ((before.probability > 0) == before.suggested).all()
    assert 0 < before.probability.max() < 1
    reviewed = {i for i, g in enumerate(groups) if g in ("doc0", "doc1", "doc2")}
    decisions = [(i, gold[i], True) for i in reviewed]
    decisions += [(i, c, False) for i in reviewed for c in before.suggested_codes(i) - {gold[i]}]
    after = _decide(texts, groups, decisions, reviewed)
    assert after.accuracy is not None and after.accuracy.source == "decisions"
    assert after.accuracy.suggestions >= 30
    held_out = [i for i in range(len(texts)) if i not in reviewed]
    right = [after.probability[i, j] for i in held_out for j in after.suggested[i].nonzero()[0]
             if after.codes[j].id == gold[i]]
    wrong = [after.probability[i, j] for i in held_out for j in after.suggested[i].nonzero()[0]
             if after.codes[j].id != gold[i]]
    assert right and min(right) > max(wrong, default=0.0)
    assert after.validation["suggestions"] in ("decisions", "codebook")


def test_suggest_stores_the_probability_and_says_it_in_words(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    from tests.test_nlp_layers import CODEBOOK, TRANSCRIPT

    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    run("suggest")
    conn = sqlite3.connect(project)
    rows = conn.execute("SELECT score, evidence FROM codings WHERE origin = 'suggest'").fetchall()
    conn.close()
    assert rows
    for stored, evidence in rows:
        first = json.loads(evidence)[0]
        assert first["kind"] == "probability" and first["probability"] == pytest.approx(stored, abs=1e-3)
        assert "suggestions like this were accepted" in first["reason"]


def test_a_segment_given_nothing_gets_its_best_code_when_the_prior_says_it_is_likely(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """show_best: where the layers' boundary shows nothing, the segment's best code is shown
    when its prior probability, shown alone, reaches the cut; other segments are untouched."""
    import numpy

    from qualcode.nlp import probability
    from tests.test_calibration import table

    texts, groups, _ = corpus(docs=2)
    texts += ["A few words with nothing in common with any topic at all.", "We talked about the weather.",
              "Then it was a long day, and everyone went home early.", "Nobody said much after lunch."]
    groups += ["doc1"] * 4
    monkeypatch.setattr(probability, "BEST_CUT", 1.0)  # the tables as the layers' boundary leaves them
    monkeypatch.setattr(probability, "BEST_Z", 0.0)  # any resemblance above the code's background
    monkeypatch.setattr(probability, "BEST_MARGIN", 0.0)  # ties too (test_false_alarms pins the real ones)
    t = table(texts, groups)
    empty = numpy.nonzero(~t.suggested.any(axis=1))[0]
    assert len(empty) >= 2
    before_sugg, before_p = t.suggested.copy(), t.probability.copy()
    probability.show_best(t, cut=0.0)  # without the semantic layer the rule is off
    assert (t.suggested == before_sugg).all()
    _semantic_on(t)
    probability.show_best(t, cut=1.0)  # nothing is that sure: nothing changes
    assert (t.suggested == before_sugg).all()
    probability.show_best(t, cut=0.0)
    assert (t.suggested[~numpy.isin(numpy.arange(len(texts)), empty)] == before_sugg[
        ~numpy.isin(numpy.arange(len(texts)), empty)]).all()
    # every segment given nothing gets exactly its best code, if it resembles that code more
    # than the code's average segment does
    best = {int(i): int(numpy.argmax(t.exact[i])) for i in empty}
    resembles = [i for i, j in best.items() if t.zero_shot[i, j] > 0]
    assert resembles and len(resembles) < len(empty)
    for i, j in best.items():
        assert t.suggested[i].nonzero()[0].tolist() == ([j] if i in resembles else [])
        if i in resembles:
            assert 0 < t.probability[i, j] < 1 and before_p[i, j] == 0
    empty = numpy.array(resembles)
    # a cut between the lowest and highest of those probabilities keeps the likelier ones only
    p = sorted(float(t.probability[i].max()) for i in empty)
    if p[0] < p[-1]:
        t2 = table(texts, groups)
        _semantic_on(t2)
        probability.show_best(t2, cut=p[-1])
        shown = [i for i in empty if t2.suggested[i].any()]
        assert shown and all(t2.probability[i].max() >= p[-1] for i in shown)
        assert len(shown) < len(empty)


def _semantic_on(t: "object") -> None:
    """Mark a table as scored with the semantic layer (cosines of 0: the layers' scores and
    suggestions stay as they are; the prior with the layer applies)."""
    import numpy

    from qualcode.nlp.semantic import SemanticScores

    shape = t.score.shape  # type: ignore[attr-defined]
    t.semantic = SemanticScores(numpy.zeros(shape), numpy.zeros(shape, dtype=numpy.int32),  # type: ignore[attr-defined]
                                numpy.zeros(shape), "test")


def test_a_suggestion_only_the_semantic_layer_carries_needs_the_floor() -> None:
    """drop_semantic_only: a suggestion the codebook's words alone leave under the boundary is
    withdrawn when the prior puts it under the floor; one the words carry stays, however low;
    the rest are re-estimated (probability exactly where something is shown)."""
    import numpy

    from qualcode.nlp import probability
    from tests.test_calibration import table

    texts, groups, _ = corpus(docs=2)
    t = table(texts, groups)
    _semantic_on(t)
    t.probability = probability.prior(t)
    ri, cj = t.suggested.nonzero()
    assert len(ri) >= 4
    p = t.probability[ri, cj]
    floor = float(numpy.median(p))
    assert p.min() < floor
    words = numpy.zeros_like(t.suggested)
    words[ri[::2], cj[::2]] = True  # every other suggestion is carried by the words
    before = t.suggested.copy()
    probability.drop_semantic_only(t, words, floor=0.0)  # no floor: nothing changes
    assert (t.suggested == before).all()
    probability.drop_semantic_only(t, words, floor=floor)
    gone = before & ~t.suggested
    assert gone.any() and not (gone & words).any()
    for i, j in zip(ri.tolist(), cj.tolist()):
        if words[i, j]:
            assert t.suggested[i, j]
        else:
            assert t.suggested[i, j] == (p[(ri == i) & (cj == j)][0] >= floor)
    assert ((t.probability > 0) == t.suggested).all()


def test_one_reviewed_document_leaves_the_ranking_to_the_codebook() -> None:
    """With one reviewed document the held-out check compares alternate turns of it, which
    share its topics: the calibration layer fitted on it does not re-rank the other documents
    (pdpilot_interviews after 10 %: it ranked them below the codebook alone); from two on,
    the decisions get a share of the ordering (without the semantic layer: a third, then half)."""
    from qualcode.nlp.learned import labels_from_decisions
    from tests.test_calibration import table

    texts, groups, gold = corpus(docs=5)
    groups = ["doc0" if g == "doc1" else g for g in groups]  # one long reviewed document
    base = table(texts, groups)
    for docs, ranking in ((("doc0",), "0% decisions"), (("doc0", "doc2"), "33% decisions"),
                          (("doc0", "doc2", "doc3"), "50% decisions")):
        reviewed = {i for i, g in enumerate(groups) if g in docs}
        decisions = [(i, gold[i], True) for i in reviewed]
        decisions += [(i, c, False) for i in reviewed for c in base.suggested_codes(i) - {gold[i]}]
        t = table(texts, groups, labels_from_decisions(decisions, reviewed))
        assert t.calibration is not None
        assert t.validation["ranking"] == ranking
        assert (t.exact == base.exact).all() == (len(docs) == 1)


def test_with_the_semantic_layer_the_decisions_rank_from_three_reviewed_documents() -> None:
    """With the semantic layer the codebook's ordering is stronger: a sparse codebook's
    decisions get a quarter of the ranking from three reviewed documents, none before (with
    two, pdpilot_interviews after 25 % was below the codebook alone on one seed)."""
    from qualcode.nlp import semantic
    from qualcode.nlp.analysis import analyse
    from qualcode.nlp.engine import decide, prepare
    from qualcode.nlp.learned import labels_from_decisions
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline
    from tests.test_calibration import codes
    from tests.test_semantic import _fake_vectors

    texts, groups, gold = corpus(docs=5)
    groups = ["doc0" if g == "doc1" else g for g in groups]
    nlp = make_pipeline("en")
    analysed = list(analyse(nlp, LexicalMatcher(nlp, codes()), texts))
    emb = semantic.Embedder(semantic.MINILM, _fake_vectors).input(codes(), texts)
    prep = prepare(nlp, codes(), analysed, groups, embeddings=emb)
    base = decide(prep)
    for docs, ranking in ((("doc0",), "0% decisions"), (("doc0", "doc2"), "0% decisions"),
                          (("doc0", "doc2", "doc3"), "25% decisions")):
        reviewed = {i for i, g in enumerate(groups) if g in docs}
        decisions = [(i, gold[i], True) for i in reviewed]
        decisions += [(i, c, False) for i in reviewed for c in base.suggested_codes(i) - {gold[i]}]
        t = decide(prep, labels_from_decisions(decisions, reviewed))
        assert t.calibration is not None and t.semantic is not None
        assert t.validation["ranking"] == ranking
