"""Agreement statistics against published worked examples, and `report agreement`."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from qualcode.reports.statistics import BinaryTally, cohen_kappa, gwet_ac1, krippendorff_alpha_nominal
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
    cohort = {k: v for k, v in codes["cohort"].items() if k != "characters"}
    assert codes["cohort"]["characters"] is None and data["characters"] is None  # only with --characters
    # prevalence (3 + 1) / 14; AC1: pa 5/7, pi 2/7, pe 2 * 2/7 * 5/7 = 20/49
    assert cohort == {"code_id": "cohort", "name": "Cohort", "percent_agreement": 0.714,
                      "kappa": round(8 / 22, 3), "alpha": 0.35, "coded": {"kim": 3, "lee": 1},
                      "prevalence": round(4 / 14, 3), "ac1": round((5 / 7 - 20 / 49) / (1 - 20 / 49), 3)}
    # the same figures from the textbook formulas
    kim = [0, 1, 1, 0, 0, 0, 1]
    lee = [0, 0, 1, 0, 0, 0, 0]
    assert codes["cohort"]["kappa"] == round(cohen_kappa(kim, lee) or 0, 3)
    assert codes["cohort"]["alpha"] == round(krippendorff_alpha_nominal(list(zip(kim, lee))) or 0, 3)
    assert (codes["coping"]["kappa"], codes["coping"]["alpha"]) == (0.588, 0.606)
    assert (codes["seniors"]["kappa"], codes["seniors"]["alpha"], codes["seniors"]["percent_agreement"]) == (1, 1, 1)
    assert codes["support"]["kappa"] is None  # nobody coded it directly: undefined, not 0 or 1
    assert data["overall"] | {} == {"units": 28, "percent_agreement": 0.893, "kappa": 0.661, "alpha": 0.667,
                                    "mean_kappa": 0.651, "mean_alpha": 0.652, "prevalence": 0.196, "ac1": 0.843,
                                    "mean_ac1": 0.767}
    # by hand: 11 of 56 ratings coded; 25 of 28 units agree; pe = 2 * 11/56 * 45/56;
    # per code AC1: seniors 1, cohort 15/29, coping (6/7 - 66/196) / (1 - 66/196), support n/a
    assert data["overall"]["ac1"] == round((25 / 28 - 2 * 11 / 56 * 45 / 56) / (1 - 2 * 11 / 56 * 45 / 56), 3)
    assert data["overall"]["mean_ac1"] == round((1 + 15 / 29 + (6 / 7 - 66 / 196) / (1 - 66 / 196)) / 3, 3)
    # the participants' turns: the facilitators' two "Start?" turns, which nobody coded, are
    # not units at the character level either (as at the turn level)
    speech = "".join(text for text in (
        "Seniors told us stories. Ben was there too. It helped a lot.", "My cohort is close.",
        "I drink too much.", "The seniors were honest.", "We go out together."))
    data = json.loads(run("report", "agreement", "--characters", "--format", "json").stdout)
    assert data["characters"]["units"] == len(speech)  # the words said, without labels or stamps
    assert [(d["source"], d["code_id"], d["coded_by"], d["not_coded_by"]) for d in data["disagreements"]] == [
        ("fg1.txt", "cohort", ["kim"], ["lee"]),
        ("fg2.txt", "cohort", ["kim"], ["lee"]),
        ("fg2.txt", "coping", ["lee"], ["kim"]),
    ]
    assert data["disagreements"][1]["text"] == "We go out together." and data["disagreements"][1]["speaker"] == "Dee"


def test_a_table_lists_the_first_disagreements_and_the_data_formats_all(run: Run, study: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """At a million codings the terminal table listed all 98,378 disagreements (38 s, 23 MB):
    a table or document to read lists the first ones and counts all; data formats list all."""
    import qualcode.reports.full

    monkeypatch.setattr(qualcode.reports.full, "DISAGREEMENTS_LISTED", 2)
    table = run("report", "agreement").stdout
    assert "3 disagreements. The first 2 are shown" in " ".join(table.split())
    assert table.count("fg2.txt") == 1  # the third (fg2, coping) is not listed
    assert "The first" not in run("report", "agreement", "--format", "md").stdout.split("Disagreements")[0]
    assert "3 disagreements." in run("report", "agreement", "--format", "md").stdout
    assert "The first" not in run("report", "agreement", "--disagreements").stdout
    assert len(json.loads(run("report", "agreement", "--format", "json").stdout)["disagreements"]) == 3


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



# Gwet's AC1 and prevalence -----------------------------------------------------------------
def test_ac1_matches_gwet_handbook_example() -> None:
    """Gwet (2014), *Handbook of Inter-Rater Reliability*, 4th ed., the 4 raters x 12 subjects
    example with missing ratings (Krippendorff's data; the irrCAC docs reproduce it as
    ``raw_4raters``): pa = 0.81818, pe = 0.19032, AC1 = 0.77544."""
    r1 = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    r2 = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, None]
    r3 = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3]
    r4 = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    assert gwet_ac1(list(zip(r1, r2, r3, r4))) == pytest.approx(0.77544, abs=5e-6)


def test_ac1_resists_the_kappa_paradox() -> None:
    """The paradox Feinstein & Cicchetti (1990) named and Wongpakaran et al. (2013, BMC Medical
    Research Methodology 13:61) illustrate: two coders agree on 118 of 125 units, nearly all
    "present" (2 x 2 table 118 / 5 / 2 / 0): percent agreement 0.944, yet kappa about -0.02,
    while AC1 stays about 0.94. The exact figures are worked out here from Cohen's (1960)
    and Gwet's (2008) formulas, step by step."""
    a = [1] * 118 + [1] * 5 + [0] * 2
    b = [1] * 118 + [0] * 5 + [1] * 2
    kappa = cohen_kappa(a, b)
    ac1 = gwet_ac1(list(zip(a, b)), categories=[0, 1])
    assert kappa is not None and ac1 is not None
    po, pe_kappa = 118 / 125, (123 / 125) * (120 / 125) + (2 / 125) * (5 / 125)
    assert kappa == pytest.approx((po - pe_kappa) / (1 - pe_kappa)) and round(kappa, 2) == -0.02
    pi = (123 / 125 + 120 / 125) / 2
    assert ac1 == pytest.approx((po - 2 * pi * (1 - pi)) / (1 - 2 * pi * (1 - pi))) and round(ac1, 2) == 0.94
    tally = _tally([list(u) for u in zip(a, b)])
    assert tally.ac1() == pytest.approx(ac1) and tally.kappa() == pytest.approx(kappa)
    assert tally.prevalence() == pytest.approx(243 / 250)


def _tally(units: list[list[int]]) -> BinaryTally:
    tally = BinaryTally(len(units[0]), units=len(units))
    for unit in units:
        tally.histogram[sum(unit)] += 1
        for k, v in enumerate(unit):
            tally.per_coder[k] += v
    return tally


@pytest.mark.parametrize("coders", [2, 3, 4])
def test_binary_tally_equals_krippendorff_and_irrcac_packages(coders: int) -> None:
    """The report's counting forms against the reference packages, on random data with
    rare and common codes (prevalence from 2 % to 60 %)."""
    krippendorff = pytest.importorskip("krippendorff", reason="pip install krippendorff (the test extra)")
    irrcac = pytest.importorskip("irrCAC.raw", reason="irrCAC is installed by `make` (pip install --no-deps irrCAC)")
    import numpy as np
    import pandas as pd

    rng = random.Random(100 + coders)
    for prevalence in (0.02, 0.1, 0.3, 0.6):
        units = [[int(rng.random() < prevalence) for _ in range(coders)] for _ in range(rng.randint(40, 120))]
        tally = _tally(units)
        if tally.ac1() is None:
            continue
        cac = irrcac.CAC(pd.DataFrame(units, dtype="float"), categories=[0.0, 1.0])
        assert tally.ac1() == pytest.approx(cac.gwet()["est"]["coefficient_value"], abs=1e-5)
        assert tally.ac1() == pytest.approx(gwet_ac1(units, categories=[0, 1]))
        expected_alpha = krippendorff.alpha(reliability_data=np.array(units, dtype=float).T,
                                            level_of_measurement="nominal")
        assert tally.alpha() == pytest.approx(expected_alpha)
        assert tally.alpha() == pytest.approx(cac.krippendorff()["est"]["coefficient_value"], abs=1e-5)
        if coders == 2:
            table = pd.crosstab(pd.Series([u[0] for u in units]), pd.Series([u[1] for u in units]))
            table = table.reindex(index=[0, 1], columns=[0, 1], fill_value=0)
            from irrCAC.table import CAC as TableCAC

            by_table = TableCAC(table)
            assert tally.kappa() == pytest.approx(by_table.cohen()["est"]["coefficient_value"], abs=1e-5)
            assert tally.ac1() == pytest.approx(by_table.gwet()["est"]["coefficient_value"], abs=1e-5)
            assert tally.percent_agreement() == pytest.approx(float(by_table.pa), abs=1e-5)


# The character level ------------------------------------------------------------------------
def _by_character(project: Path, code: str, coders: list[str]) -> list[list[int]]:
    """Brute force, one character at a time: each spoken character of every source, rated
    coded / not coded by each coder for this code."""
    import sqlite3

    with sqlite3.connect(project) as conn:
        # the facilitators' turns that no compared coder coded are not units (as at the turn level)
        chars = [(src, pos) for src, start, end in conn.execute(
            "SELECT s.source_id, s.start, s.end FROM segments s LEFT JOIN speakers sp ON sp.id = s.speaker_id "
            "WHERE s.kind = 'speech' AND NOT (ifnull(sp.role, '') = 'facilitator' AND NOT EXISTS ("
            "SELECT 1 FROM codings c WHERE c.status = 'accepted' AND c.source_id = s.source_id "
            "AND c.start < s.end AND c.end > s.start AND c.coder IN (%s))) ORDER BY s.source_id, s.start"
            % ",".join("?" * len(coders)), coders)
            for pos in range(start, end)]
        coded = {c: {(src, pos) for src, start, end in conn.execute(
            "SELECT source_id, start, end FROM codings WHERE status = 'accepted' AND code_id = ? AND coder = ?",
            [code, c]) for pos in range(start, end)} for c in coders}
    return [[int(ch in coded[c]) for c in coders] for ch in chars]


def test_character_level_against_brute_force_and_packages(run: Run, study: Path) -> None:
    """Lee codes only some words of turns kim coded whole, and kim a span crossing words:
    the turn level sees agreement, the character level sees how much of each turn."""
    krippendorff = pytest.importorskip("krippendorff", reason="pip install krippendorff (the test extra)")
    import numpy as np

    run("--coder", "lee", "code", "2", "cohort", "--quote", "Ben was there too.")
    run("--coder", "lee", "code", "7", "cohort", "--start", "3", "--end", "6")
    run("--coder", "kim", "code", "6", "coping", "--start", "2", "--end", "9")
    data = json.loads(run("report", "agreement", "--characters", "-f", "json").stdout)
    codes = {c["code_id"]: c for c in data["codes"]}
    for code in ("cohort", "coping", "seniors"):
        units = _by_character(study, code, ["kim", "lee"])
        chars = codes[code]["characters"]
        assert data["characters"]["units"] == len(units)
        assert chars["coded"] == {"kim": sum(u[0] for u in units), "lee": sum(u[1] for u in units)}
        kim, lee = [u[0] for u in units], [u[1] for u in units]
        assert chars["kappa"] == round(cohen_kappa(kim, lee) or 0, 3)
        assert chars["alpha"] == round(krippendorff.alpha(reliability_data=np.array(units, dtype=float).T,
                                                          level_of_measurement="nominal"), 3)
        assert chars["ac1"] == round(gwet_ac1(units, categories=[0, 1]) or 0, 3)
        assert chars["percent_agreement"] == round(sum(a == b for a, b in units) / len(units), 3)
        assert chars["prevalence"] == round(sum(map(sum, units)) / (2 * len(units)), 3)
    # cohort on turn 2: kim coded it whole, lee a sentence: agreement per turn, not per character
    assert codes["cohort"]["coded"] == {"kim": 3, "lee": 3}
    assert codes["cohort"]["characters"]["percent_agreement"] < codes["cohort"]["percent_agreement"]


def test_character_level_counts_each_character_once(run: Run, study: Path) -> None:
    """Overlapping codings of one coder count their characters once; a code nobody coded is
    undefined (n/a), not perfect agreement."""
    run("--coder", "kim", "code", "2", "coping", "--start", "0", "--end", "20")
    run("--coder", "kim", "code", "2", "coping", "--start", "10", "--end", "30")
    run("--coder", "lee", "code", "2", "coping", "--start", "10", "--end", "30")
    data = json.loads(run("report", "agreement", "--characters", "-f", "json").stdout)
    codes = {c["code_id"]: c for c in data["codes"]}
    coping = codes["coping"]["characters"]["coded"]
    # kim: turn 4 (17 characters) and 0-30 of turn 2 once, not 0-20 plus 10-30;
    # lee: turns 4 and 7 (17 + 19 characters) and 10-30 of turn 2
    assert coping == {"kim": 17 + 30, "lee": 17 + 19 + 20}
    support = codes["support"]["characters"]
    assert (support["kappa"], support["alpha"], support["ac1"], support["prevalence"]) == (None, None, None, 0)


def test_agreement_text_shows_both_levels(run: Run, study: Path) -> None:
    assert "Agreement by character" not in run("report", "agreement").stdout
    out = run("report", "agreement", "--characters").stdout
    assert "Inter-coder agreement" in out and "Agreement by character" in out
    assert "AC1" in out and "prevalence" in out
    md = run("report", "agreement", "--characters", "-f", "md").stdout
    assert "| (overall) | all codes pooled |" in md and "Agreement by character" in md
    header = run("report", "agreement", "-f", "csv").stdout.splitlines()[0]
    assert header == ("code_id,name,coded_by_kim,coded_by_lee,percent_agreement,kappa,alpha,prevalence,ac1,"
                      "characters_prevalence,characters_percent_agreement,characters_kappa,characters_alpha,"
                      "characters_ac1")


def test_speech_map_counts_only_spoken_characters() -> None:
    """Source offsets become "spoken characters before": labels and gaps count nothing, so a
    span across two turns covers exactly the characters of both that it touches."""
    import numpy as np

    from qualcode.reports.characters import SpeechMap

    speech = SpeechMap(np.array([20, 5, 12]), np.array([30, 10, 15]))  # unsorted; 5-10, 12-15, 20-30
    assert speech.units == 5 + 3 + 10
    pos = np.array([0, 5, 7, 10, 11, 12, 16, 25, 30, 99])
    assert speech(pos).tolist() == [0, 0, 2, 5, 5, 5, 8, 13, 18, 18]
    assert int(speech(np.array([8]))[0] - speech(np.array([22]))[0]) == -(2 + 3 + 2)  # 8-10, 12-15, 20-22


def test_character_level_counts_a_turn_in_pieces(run: Run, project: Path, write_file: Any) -> None:
    """A label repeated on a turn's second paragraph makes the turn two pieces (the label
    between them is not speech): the spoken characters are those of both pieces, and the
    turns without pieces keep theirs."""
    run("ingest", write_file("fg.txt", "Ana: I cope by running.\n\nBen: I just sleep a lot.\n\n"
                                       "Ana: Running helps me cope.\n\nAna: And my cohort helps too.\n"))
    run("codebook", "load", write_file("cb.yaml", "name: t\ncodes:\n  - id: coping\n    name: Coping\n"
                                                  "    description: How they cope.\n"))
    for coder in ("kim", "lee"):
        run("--coder", coder, "code", "1", "coping")
        run("--coder", coder, "code", "3", "coping")
    run("--coder", "kim", "code", "2", "coping")
    data = json.loads(run("report", "agreement", "--characters", "-f", "json").stdout)
    said = ["I cope by running.", "I just sleep a lot.", "Running helps me cope.", "And my cohort helps too."]
    assert data["characters"]["units"] == sum(map(len, said))
    assert data["codes"][0]["characters"]["coded"] == {"kim": sum(map(len, said)),
                                                       "lee": sum(map(len, said)) - len(said[1])}
