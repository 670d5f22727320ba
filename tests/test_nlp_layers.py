"""Each suggestion layer finds what the others miss, and says why (through `qualcode suggest`)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

CODEBOOK = """\
codes:
  - id: safety
    name: Psychological safety
    description: Trusting the group enough to speak up.
    keywords: [safe]
  - id: fatigue
    name: Fatigue
    description: Exhaustion, tiredness and sleep deprivation after night shifts.
    examples:
      - "I was completely drained."
      - "My body clock is wrecked after a run of nights."
  - id: rituals
    name: Rituals
    description: Habits that mark the end of the day.
"""
TRANSCRIPT = """\
Ana: I don't feel safe in that meeting, honestly.
Ben: Maybe it is safe for some of them.
Cleo: After four nights my body clock is completely wrecked.
Dev: The tiredness and the sleep deprivation pile up.
Eli: We talked about the rota for next month.
"""


def rows(db: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    out = [dict(r) for r in conn.execute(
        "SELECT c.*, s.ordinal, src.text AS source_text FROM codings c JOIN segments s ON s.id = c.segment_id "
        "JOIN sources src ON src.id = c.source_id WHERE c.origin = 'suggest' ORDER BY s.ordinal, c.code_id")]
    conn.close()
    for r in out:
        r["evidence"] = json.loads(r["evidence"])
    return out


def by_kind(row: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for item in row["evidence"]:
        kinds.setdefault(item["kind"], []).append(item)
    return kinds


@pytest.fixture
def layered(run: Run, project: Path, write_file) -> Path:  # type: ignore[no-untyped-def]
    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    run("suggest")
    return project


def test_lexical_finds_a_keyword_the_description_lacks_and_a_negated_one_counts_against(layered: Path) -> None:
    found = {(r["ordinal"], r["code_id"]): r for r in rows(layered)}
    assert (1, "safety") not in found  # "I don't feel safe": the keyword, negated, counts against
    safety = by_kind(found[(2, "safety")])
    [keyword] = safety["keyword"]
    assert (keyword["term"], keyword["text"], keyword.get("negated"), keyword.get("hedged")) == (
        "safe", "safe", None, True)
    assert found[(2, "safety")]["source_text"][keyword["start"]:keyword["end"]] == "safe"
    assert "similarity" not in safety  # nothing in the description or name is in the segment
    assert "hedged" in keyword["reason"]


def test_similarity_finds_what_no_keyword_names_with_the_closest_example(layered: Path) -> None:
    found = {(r["ordinal"], r["code_id"]): r for r in rows(layered)}
    cleo = by_kind(found[(3, "fatigue")])
    assert "keyword" not in cleo and "pattern" not in cleo  # the code has no keywords
    [sim] = cleo["similarity"]
    assert sim["closest"] == "example 2"
    assert sim["example"] == "My body clock is wrecked after a run of nights."
    assert by_kind(found[(4, "fatigue")])["similarity"][0]["closest"] == "description"
    assert found[(3, "fatigue")]["method"] == "similarity"


def test_scores_are_probabilities_and_unrelated_talk_gets_nothing(layered: Path) -> None:
    found = rows(layered)
    assert all(0 < r["score"] < 1 for r in found)  # the chance of acceptance (nlp/probability.py)
    assert 5 not in {r["ordinal"] for r in found}  # the rota
    assert not any(r["code_id"] == "rituals" for r in found)


LEARN_CODEBOOK = """\
codes:
  - id: rituals
    name: Rituals
    description: Habits that mark the end of the day.
  - id: rota
    name: Rota
    description: Planning who works which shift.
"""
LEARN_LINES = [
    "Ana: We always grab an espresso together before we leave.",
    "Ben: Nothing like an espresso with the team after handover.",
    "Cleo: The espresso machine is where the night ends for us.",
    "Dev: An espresso and a chat, then home.",
    "Eli: Espresso first, then the drive home.",
    "Fay: Someone brings espresso for everyone at seven.",
    "Ana: The rota for next month came out late again.",
    "Ben: I swapped two shifts on the rota with Cleo.",
    "Cleo: Who covers the Saturday on the rota?",
    "Dev: The rota has me on nights three weeks running.",
    "Eli: I asked for the rota to change but nobody answered.",
    "Fay: The new rota starts on Monday.",
    "Gus: That espresso on the way out is my favourite bit.",
]


def code_turns(run: Run, project: Path, code: str, turns: range) -> None:
    """kim codes the turns at these positions (0-based, reading order) with ``code``."""
    conn = sqlite3.connect(project)
    ids = [r[0] for r in conn.execute("SELECT id FROM segments ORDER BY ordinal")]
    conn.close()
    for i in turns:
        run("--coder", "kim", "code", str(ids[i]), code)


def test_learned_layer_suggests_what_the_codebook_never_mentions(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("ingest", write_file("fg.txt", "\n".join(LEARN_LINES) + "\n"))
    run("codebook", "load", write_file("cb.yaml", LEARN_CODEBOOK))
    run("suggest")
    assert not any(r["ordinal"] == 13 and r["code_id"] == "rituals" for r in rows(project))
    code_turns(run, project, "rituals", range(6))
    code_turns(run, project, "rota", range(6, 12))
    result = run("suggest")
    assert "learned from decisions for 2 code(s)" in result.stderr
    gus = {r["code_id"]: r for r in rows(project) if r["ordinal"] == 13}
    learned = by_kind(gus["rituals"])["learned"][0]
    assert (learned["accepted"], learned["rejected"]) == (6, 6)
    assert "espresso" in learned["terms"]
    assert gus["rituals"]["score"] >= 0.5 and "learned" in gus["rituals"]["method"]
    assert "rota" not in gus


def test_learned_layer_waits_for_enough_decisions(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    from qualcode.nlp.thresholds import MIN_ACCEPTED

    run("ingest", write_file("fg.txt", "\n".join(LEARN_LINES) + "\n"))
    run("codebook", "load", write_file("cb.yaml", LEARN_CODEBOOK))
    code_turns(run, project, "rituals", range(MIN_ACCEPTED - 1))
    code_turns(run, project, "rota", range(6, 12))
    result = run("suggest")
    # rituals: 4 accepted; rota: 6 accepted but only 4 reviewed segments without it (rejections)
    assert "learned" not in result.stderr
    assert not any("learned" in r["method"] for r in rows(project))


def test_word_vectors_of_an_installed_pipeline_find_synonyms(run: Run, project: Path, write_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import numpy
    import spacy

    nlp = spacy.blank("en")
    for word, vector in {"tired": [1, 0, 0], "exhausted": [0.95, 0.1, 0], "rota": [0, 1, 0], "coffee": [0, 0, 1]}.items():
        nlp.vocab.set_vector(word, numpy.array(vector, dtype="float32"))
    nlp.to_disk(tmp_path / "vectors-model")
    run("ingest", write_file("fg.txt", "Ana: I was exhausted all week.\nBen: We talked about coffee.\n"))
    run("codebook", "load", write_file("cb.yaml", "codes:\n  - id: fatigue\n    name: Fatigue\n"
                                                  "    description: Feeling tired.\n"))
    run("suggest")
    assert rows(project) == []  # no shared word: TF-IDF alone sees nothing
    run("suggest", "--model", tmp_path / "vectors-model")
    [found] = rows(project)
    assert (found["ordinal"], found["code_id"]) == (1, "fatigue")
    [sim] = by_kind(found)["similarity"]
    assert sim["closest"] == "description" and "word-vector" in sim["reason"]


NAME_CODEBOOK = """\
codes:
  - id: moderator
    name: Moderator assist
    description: The facilitator steps in to help a participant who is stuck.
  - id: table
    name: Data table
    description: Sorting and colouring the columns of the results view.
"""
NAME_LINES = [
    "Moderator: could you try the second tab now?",
    "Ana: I am looking at the data for the trial.",
    "Ben: The data looks odd here.",
    "Cleo: Where is the data from?",
    "Dev: We export the data every week.",
    "Eli: That data is from March.",
    "Fay: Some of the data is missing.",
    "Gus: I sorted the table by date.",
    "Hal: The data seems fine overall.",
    "Ivy: The data export was quick.",
    "Jo: The data is complete now.",
    "Kit: The data had gaps last year.",
    "Lee: I trust the data we have.",
    "Max: Our data comes from two sites.",
    "Ned: The data is what it is.",
    "Oli: We lost some data in May.",
    "Pat: Fine, the data is there.",
    "Quin: The data makes sense to me.",
    "Ray: Maybe the data is late.",
    "Sam: The data was easy to read.",
    "Tom: I like how the data is laid out.",
    "Uma: The data from June is in.",
    "Val: Then I looked at something else.",
    "Wes: Moderator, I am stuck on this screen.",
]


def test_name_layer_suggests_a_code_whose_telling_name_word_is_said(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    """No keyword, and the description shares no word with the turn: only the code's name
    ("moderator") finds it, and a name match is suggested like a keyword's. A name word said in almost every turn ("data") is not telling."""
    run("ingest", write_file("fg.txt", "\n".join(NAME_LINES) + "\n"))
    run("codebook", "load", write_file("cb.yaml", NAME_CODEBOOK))
    run("suggest")
    found = {(r["ordinal"], r["code_id"]): r for r in rows(project)}
    wes = by_kind(found[(24, "moderator")])
    [name] = wes["name"]
    assert name["words"] == ["moderator"] and name["share"] == 1.0
    assert "keyword" not in wes and [s["closest"] for s in wes["similarity"]] == ["name"]
    assert (1, "moderator") not in found  # "Moderator:" there is the speaker label, not the text
    assert "distinctive words (moderator)" in name["reason"]
    # "data" is in 21 of 24 turns: only "table" counts for the Data table code
    assert by_kind(found[(8, "table")])["name"][0]["words"] == ["table"]
    assert not any(code == "table" and ordinal != 8 for ordinal, code in found)


def test_learned_code_keeps_the_codebooks_confident_match(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    """A classifier trained on six espresso turns knows nothing of a turn that says the code's
    name ("ritual") in other words: it starts from the codebook's verdict (the zero-shot logit
    as an offset), so the codebook's confident match stays confident instead of being pulled
    towards what the few examples happened to say (0.93 without the offset)."""
    hana = "Hana: Our little ritual is a walk home, no shifts talk."
    run("ingest", write_file("fg.txt", "\n".join([*LEARN_LINES, hana]) + "\n"))
    run("codebook", "load", write_file("cb.yaml", LEARN_CODEBOOK))
    run("suggest")
    assert any(r["ordinal"] == 14 and r["code_id"] == "rituals" for r in rows(project))
    code_turns(run, project, "rituals", range(6))
    code_turns(run, project, "rota", range(6, 12))
    run("suggest")
    [found] = [r for r in rows(project) if r["ordinal"] == 14 and r["code_id"] == "rituals"]
    # the classifier's own verdict (the stored score is the chance of acceptance, nlp/probability.py)
    assert "learned" in found["method"] and by_kind(found)["learned"][0]["probability"] >= 0.97
    assert by_kind(found)["name"][0]["words"] == ["ritual"]
