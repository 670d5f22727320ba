"""report quotes: spread across voices, trimmed to the sentences that carry the coded words,
citations with attributes, pseudonymised text; and the pseudonymisation API."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from qualcode.project import open_project
from qualcode.reports.pseudonymise import MASK, Pseudonymiser, load_pseudonymiser, looks_like_name, split_names
from qualcode.reports.quotes import carrying_sentences, sentences
from tests.conftest import Run
from tests.test_reports_golden import study  # noqa: F401  (fixture)


def test_sentences_and_carrying_sentences() -> None:
    text = "Seniors told us stories. Ben was there too! It helped a lot... Really?"
    assert [text[a:b] for a, b in sentences(text)] == [
        "Seniors told us stories.", "Ben was there too!", "It helped a lot...", "Really?"]
    ben = text.index("Ben")
    assert carrying_sentences(text, [(ben, ben + 3)]) == "Ben was there too!"
    helped = text.index("helped")
    assert carrying_sentences(text, [(0, 7), (helped, helped + 6)]) == "Seniors told us stories. […] It helped a lot..."
    assert carrying_sentences(text, [(0, 7), (ben, ben + 3)]) == "Seniors told us stories. Ben was there too!"
    assert carrying_sentences("no full stop here", []) == "no full stop here"


def test_quote_is_the_sentence_that_carries_a_partial_coding(run: Run, study: Path) -> None:
    run("--coder", "kim", "code", "2", "coping", "--quote", "was there")
    quotes = json.loads(run("report", "quotes", "--code", "coping", "-f", "json").stdout)
    assert [(q["text"], q["trimmed"]) for q in quotes] == [
        ("Ben was there too.", True), ("I drink too much.", False), ("We go out together.", False)]
    full = json.loads(run("report", "quotes", "--code", "coping", "--full-turns", "-f", "json").stdout)
    assert full[0]["text"] == "was there"  # the exact coded words


def test_quote_of_a_suggestion_keeps_the_sentences_with_its_evidence(run: Run, study: Path) -> None:
    conn = sqlite3.connect(study)
    start, text = conn.execute("SELECT start, text FROM segments WHERE id = 2").fetchone()
    at = start + text.index("helped")
    conn.execute("UPDATE codings SET evidence = ? WHERE segment_id = 2 AND code_id = 'seniors' AND coder = 'kim'",
                 [json.dumps([{"kind": "keyword", "term": "help", "start": at, "end": at + 6}])])
    conn.commit()
    conn.close()
    quotes = json.loads(run("report", "quotes", "--code", "seniors", "-f", "json").stdout)
    assert quotes[0]["text"] == "It helped a lot." and quotes[0]["trimmed"] is True


def test_per_code_spreads_across_participants(run: Run, study: Path) -> None:
    # Ana (P1) now has three coping quotes (segments 2 and 4, plus Dee's 7): ask for two
    run("--coder", "kim", "code", "2", "coping")
    quotes = json.loads(run("report", "quotes", "--code", "coping", "--per-code", "2", "-f", "json").stdout)
    assert [q["participant"] for q in quotes] == ["P1", "P4"]  # one per person, in source order
    quotes = json.loads(run("report", "quotes", "--code", "coping", "--per-code", "3", "-f", "json").stdout)
    assert sorted(q["participant"] for q in quotes) == ["P1", "P1", "P4"]


def test_citation_attributes_and_pseudonymised_quotes(run: Run, study: Path) -> None:
    md = run("report", "quotes", "--code", "seniors", "--pseudonymise", "-f", "md").stdout
    assert "> Seniors told us stories. Blake was there too. It helped a lot.\n>\n> — Source 1, Alex (resident)" in md
    assert "— Source 2, Casey (chief), 0:10" in md  # file names may name people (issue 19.7)
    for name in ("Ana", "Ben", "Cy", "Smith"):
        assert name not in md
    quotes = json.loads(run("report", "quotes", "--attr", "role", "--code", "cohort", "-f", "json").stdout)
    assert quotes[0]["attributes"] == {"role": "resident"}
    result = run("report", "quotes", "--attr", "rank", "--attr", "role", code=1)  # misspelt: not silently nothing
    assert result.stderr == "Error: unknown attribute 'rank' for --attr; choose from: role\n"
    csv_out = run("report", "quotes", "--code", "cohort", "-f", "csv").stdout
    assert csv_out.splitlines()[0].startswith("code_id,code,source,speaker,participant,attributes,")


def test_pseudonymiser_rules(study: Path) -> None:
    pz = load_pseudonymiser(open_project(study))
    assert pz.text("Ana Smith met Ben and Dee; Smith said Cy's idea was good.") == \
        "Alex met Blake and [name]; Alex said Casey's idea was good."
    assert pz.text("Banana and Bend stay") == "Banana and Bend stay"   # whole words only
    assert pz.participant("P1") == "Alex" and pz.participant("P4") == "P4"
    assert pz.speaker("Ana", "P1", 2) == "Alex"
    unlinked = [sid for sid, label in pz.unlinked.items()]
    assert pz.speaker("Fac", None, unlinked[0]) == "Speaker 1"
    assert pz.attributes({"role": "resident", "names": "Ana Smith"}) == {"role": "resident"}
    assert "Fac" not in pz.replacements  # a role, not a name: stays in text


def test_name_detection_and_lists() -> None:
    assert looks_like_name("Tomasz") and looks_like_name("Maria Jansen") and looks_like_name("O'Brien")
    for label in ("R1", "Facilitator", "Resident A", "PGY2-C", "Speaker 2", "moderator", "A"):
        assert not looks_like_name(label), label
    assert split_names("Maria Jansen; Maria | Ria") == ["Maria Jansen", "Maria", "Ria"]
    assert Pseudonymiser(replacements={"Ria": MASK}).text("Ria, Maria") == "[name], Maria"


def test_names_of_people_who_are_not_participants_are_masked(run: Run, study: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    result = run("participants", "import", write_file("others.csv", "source,speaker,participant,names\n"
                                                                   "*,nobody-1,X1,Dr Jansen\n"))
    assert "nobody-1" in result.stdout + result.stderr  # reported as unmatched, yet kept
    pz = load_pseudonymiser(open_project(study))
    assert pz.text("Dr Jansen told Ana") == "[name] told Alex"
