"""Agreement statistics against published worked examples, and `report agreement`."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from qualcode.reports.statistics import BinaryTally, cohen_kappa, krippendorff_alpha_nominal
from tests.conftest import Run, db_snapshot
from tests.test_reports_golden import study  # noqa: F401  (fixture)


def test_alpha_matches_krippendorff_reliability_data_example() -> None:
    """Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: four
    observers, twelve units, nominal values with missing data: alpha = 0.743."""
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    c = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    alpha = krippendorff_alpha_nominal(list(zip(a, b, c, d)))
    assert alpha is not None and round(alpha, 3) == 0.743


def test_alpha_matches_krippendorff_binary_two_observer_example() -> None:
    """Krippendorff (2011), section A: two observers, ten units, binary data: alpha = 0.095."""
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    alpha = krippendorff_alpha_nominal(list(zip(a, b)))
    assert alpha is not None and round(alpha, 3) == 0.095


def test_kappa_matches_textbook_example() -> None:
    """The worked example in Wikipedia's "Cohen's kappa" (50 grant proposals read by two
    readers: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no): p_o = 0.7, p_e = 0.5, kappa = 0.4."""
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_kappa_is_undefined_without_variation() -> None:
    assert cohen_kappa([0, 0, 0], [0, 0, 0]) is None
    assert krippendorff_alpha_nominal([(0, 0), (0, 0)]) is None


@pytest.mark.parametrize("coders", [2, 3, 5])
def test_binary_tally_equals_the_textbook_formulas(coders: int) -> None:
    rng = random.Random(coders)
    for _ in range(20):
        units = [[int(rng.random() < 0.3) for _ in range(coders)] for _ in range(rng.randint(5, 60))]
        tally = BinaryTally(coders, units=len(units))
        for unit in units:
            tally.histogram[sum(unit)] += 1
            for k, v in enumerate(unit):
                tally.per_coder[k] += v
        tally.histogram[0] = 0  # zeros are derived from units, whatever the histogram says
        expected_alpha = krippendorff_alpha_nominal(units)
        assert (tally.alpha() is None) == (expected_alpha is None)
        if expected_alpha is not None:
            assert tally.alpha() == pytest.approx(expected_alpha)
        assert tally.percent_agreement() == pytest.approx(sum(len(set(u)) == 1 for u in units) / len(units))
        if coders == 2:
            expected = cohen_kappa([u[0] for u in units], [u[1] for u in units])
            assert (tally.kappa() is None) == (expected is None)
            if expected is not None:
                assert tally.kappa() == pytest.approx(expected)
        else:
            assert tally.kappa() is None


def test_report_agreement_json(run: Run, study: Path) -> None:
    # Every turn a unit, the facilitators' too (the default leaves out turns 1 and 5: below).
    data = json.loads(run("report", "agreement", "--include-facilitators", "--format", "json").stdout)
    assert data["coders"] == ["kim", "lee"] and data["sources"] == ["fg1.txt", "fg2.txt"] and data["units"] == 7
    codes = {c["code_id"]: c for c in data["codes"]}
    # cohort: kim {2, 3, 7}, lee {3} of 7 segments -> 1 both, 2 one, 4 neither
    assert codes["cohort"] == {"code_id": "cohort", "name": "Cohort", "percent_agreement": 0.714,
                               "kappa": round(8 / 22, 3), "alpha": 0.35, "coded": {"kim": 3, "lee": 1}}
    # the same figures from the textbook formulas
    kim = [0, 1, 1, 0, 0, 0, 1]
    lee = [0, 0, 1, 0, 0, 0, 0]
    assert codes["cohort"]["kappa"] == round(cohen_kappa(kim, lee) or 0, 3)
    assert codes["cohort"]["alpha"] == round(krippendorff_alpha_nominal(list(zip(kim, lee))) or 0, 3)
    assert (codes["coping"]["kappa"], codes["coping"]["alpha"]) == (0.588, 0.606)
    assert (codes["seniors"]["kappa"], codes["seniors"]["alpha"], codes["seniors"]["percent_agreement"]) == (1, 1, 1)
    assert codes["support"]["kappa"] is None  # nobody coded it directly: undefined, not 0 or 1
    assert data["overall"] | {} == {"units": 28, "percent_agreement": 0.893, "kappa": 0.661, "alpha": 0.667,
                                    "mean_kappa": 0.651, "mean_alpha": 0.652}
    assert [(d["source"], d["code_id"], d["coded_by"], d["not_coded_by"]) for d in data["disagreements"]] == [
        ("fg1.txt", "cohort", ["kim"], ["lee"]),
        ("fg2.txt", "cohort", ["kim"], ["lee"]),
        ("fg2.txt", "coping", ["lee"], ["kim"]),
    ]
    assert data["disagreements"][1]["text"] == "We go out together." and data["disagreements"][1]["speaker"] == "Dee"


def test_agreement_pseudonymised_and_filtered(run: Run, study: Path) -> None:
    rows = json.loads(run("report", "agreement", "--disagreements", "--pseudonymise", "-f", "json",
                          "--code", "cohort").stdout)
    assert [(r["speaker"], r["text"]) for r in rows] == [
        ("Alex", "Seniors told us stories. Blake was there too. It helped a lot."),
        ("P4", "We go out together."),
    ]


def test_three_coders_alpha_and_no_kappa(run: Run, study: Path) -> None:
    for segment, code in [("2", "seniors"), ("6", "seniors"), ("3", "cohort"), ("4", "coping")]:
        run("--coder", "ray", "code", segment, code)
    data = json.loads(run("report", "agreement", "--include-facilitators", "-f", "json").stdout)
    assert data["coders"] == ["kim", "lee", "ray"]
    seniors = next(c for c in data["codes"] if c["code_id"] == "seniors")
    assert seniors["kappa"] is None and seniors["alpha"] == 1.0
    coping = next(c for c in data["codes"] if c["code_id"] == "coping")
    # coping: segment 4 coded by all three, segment 7 by lee only; 7 units
    kim, lee, ray = [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0, 1], [0, 0, 0, 1, 0, 0, 0]
    assert coping["alpha"] == round(krippendorff_alpha_nominal(list(zip(kim, lee, ray))) or 0, 3)
    assert coping["percent_agreement"] == round(6 / 7, 3)


def test_agreement_needs_two_coders(run: Run, study: Path) -> None:
    before = db_snapshot(study)
    result = run("report", "agreement", "--coders", "kim", code=1)
    assert result.stderr.startswith("Error: agreement needs at least two coders, found 1 (kim);")
    result = run("report", "agreement", "--coders", "kim,bob", code=1)
    assert result.stderr == "Error: no accepted codings by coder 'bob'; coders in this project: kim, lee\n"
    assert db_snapshot(study) == before


def test_agreement_only_on_sources_both_coded(run: Run, study: Path) -> None:
    run("--coder", "lee", "uncode", "6", "seniors")
    run("--coder", "lee", "uncode", "7", "coping")
    data = json.loads(run("report", "agreement", "-f", "json").stdout)
    assert data["sources"] == ["fg1.txt"] and data["units"] == 3  # fg1's turns without the facilitator's


def test_facilitator_turns_are_units_only_when_coded_by_hand(run: Run, study: Path) -> None:
    """Turns 1 and 5 are the facilitators': nobody would code "Start?", so by default they are
    not units (they would inflate agreement); a coding a coder made there by hand makes turn
    1 a unit again, and the disagreement on it counts."""
    data = json.loads(run("report", "agreement", "-f", "json").stdout)
    assert data["units"] == 5
    cohort = next(c for c in data["codes"] if c["code_id"] == "cohort")
    kim, lee = [1, 1, 0, 0, 1], [0, 1, 0, 0, 0]  # turns 2, 3, 4, 6, 7
    assert cohort["kappa"] == round(cohen_kappa(kim, lee) or 0, 3) and cohort["percent_agreement"] == 0.6
    run("--coder", "kim", "code", "1", "coping")
    data = json.loads(run("report", "agreement", "-f", "json").stdout)
    assert data["units"] == 6
    coping = next(c for c in data["codes"] if c["code_id"] == "coping")
    assert coping["coded"] == {"kim": 2, "lee": 2}
    assert ("fg1.txt", "coping", ["kim"], ["lee"]) in [
        (d["source"], d["code_id"], d["coded_by"], d["not_coded_by"]) for d in data["disagreements"]]
