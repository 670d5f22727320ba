"""Speaker roles (issue 14): facilitators are decided at ingest, set by a participants file or
`speakers role`, get no suggestions or quotes, and do not count as speakers in reports
unless --include-facilitators; a coding made by hand on a facilitator's turn still counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qualcode.ingest.roles import default_role, facilitator_spans, is_facilitator_label
from tests.conftest import Run, db_snapshot

# Segments: 1 Moderator, 2 Ana, 3 Moderator, 4 Ben.
FG = ("Moderator: How do you cope with the stress of nights?\n"
      "Ana: I cope by running after every stretch of nights.\n"
      "Moderator: And does anyone else cope differently?\n"
      "Ben: Honestly I just sleep a lot.\n")
CODEBOOK = """\
name: Roles test
codes:
  - id: coping
    name: Coping
    description: How residents cope with stress.
    keywords: [cope, coping]
"""


@pytest.fixture
def study(run: Run, project: Path, write_file: Any) -> Path:
    run("ingest", write_file("fg.txt", FG))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    return project


def speakers(run: Run, *args: str) -> dict[tuple[str, str], tuple[str, str]]:
    rows = json.loads(run("speakers", "--format", "json", *args).stdout)
    return {(r["source"], r["label"]): (r["role"], r["role_from"]) for r in rows}


def pending(run: Run) -> list[tuple[int, str]]:
    rows = json.loads(run("codings", "--status", "suggested", "--format", "json").stdout)
    return sorted((r["segment_id"], r["code_id"]) for r in rows)


@pytest.mark.parametrize("label", ["Facilitator", "Moderator", "MODERATOR", "Interviewer 2", "Interviewer (Sam)",
                                   "Interviewer - Anna", "I", "I1", "Int", "Mod", "INT-2", "Co-facilitator",
                                   "Researcher", "Interviewer2 2", "I1 + I2", "Moderator & Co-moderator"])
def test_facilitator_labels(label: str) -> None:
    assert is_facilitator_label(label) and default_role(label) == "facilitator"


@pytest.mark.parametrize("label", ["Ines", "Ian", "Interviewee", "Intern", "Modest", "R1", "Resident A", "PGY2-C",
                                   "Participant", "P1", "Faculty", "I1 + Y", "X og Y", "Interviewee1"])
def test_participant_labels(label: str) -> None:
    assert default_role(label) == "participant"


def test_a_legend_can_name_the_interviewer() -> None:
    assert default_role("X", {"X": "Interviewer", "Y": "Nurse"}) == "facilitator"
    assert default_role("Y", {"X": "Interviewer", "Y": "Nurse"}) == "participant"


def _said(text: str) -> list[str]:
    return [text[a:b] for a, b in facilitator_spans(text)]


def test_facilitator_spans_read_labels_as_ingest_does() -> None:
    """Evaluation skips the turns suggest skips: the same parser and role rule. An inline
    label covers its own line (unlabelled lines after it are nobody's: participants' talk in
    transcripts that label only the moderator); a label alone on its line covers the turn."""
    inline = ("MODERATOR: Could you start with task 1?\n"
              "Okay, I have logged in now.\n"
              "Participant: It looks fine to me.\n"
              "MODERATOR: Thanks, next one.")
    assert _said(inline) == ["MODERATOR: Could you start with task 1?", "MODERATOR: Thanks, next one."]
    blocks = ("[00:10] RESEARCHER:\nHow was the sprint?\nAnd the review after it?\n\n"
              "[00:18] PARTICIPANT 1:\nIt went well, thank you.\n")
    assert _said(blocks) == ["How was the sprint?\nAnd the review after it?"]
    # a legend names the interviewer, as at ingest
    legend = "S = interviewer, X = informant\n\nS: Hej.\n\nX: Hej hej.\n\nS: Godt.\n\nX: Ja.\n"
    assert _said(legend) == ["S: Hej.", "S: Godt."]
    assert facilitator_spans("Resident A: I cope.\nResident B: Same here.") == []


def test_roles_are_decided_at_ingest_and_shown_by_speakers(run: Run, study: Path) -> None:
    assert speakers(run) == {("fg.txt", "Moderator"): ("facilitator", "label"),
                             ("fg.txt", "Ana"): ("participant", "label"),
                             ("fg.txt", "Ben"): ("participant", "label")}
    table = run("speakers").stdout
    assert "role" in table and "facilitator" in table


def test_speakers_role_sets_it_explicitly(run: Run, study: Path) -> None:
    result = run("speakers", "role", "Moderator", "participant", "--source", "fg.txt")
    assert result.stderr == "'Moderator' is now a participant in 1 source(s)\n"
    assert speakers(run)[("fg.txt", "Moderator")] == ("participant", "user")
    before = db_snapshot(study)
    result = run("speakers", "role", "Nobody", "facilitator", code=1)
    assert result.stderr == "Error: no speaker labelled 'Nobody'; run `qualcode speakers` to list the labels\n"
    result = run("speakers", "role", "Ana", "boss", code=2)
    assert "'boss' is not one of" in result.stderr
    assert db_snapshot(study) == before


def test_a_role_guessed_from_the_label_follows_a_rename_but_a_chosen_one_stays(run: Run, study: Path) -> None:
    run("speakers", "rename", "Ben", "Interviewer 2")
    assert speakers(run)[("fg.txt", "Interviewer 2")] == ("facilitator", "label")
    run("speakers", "role", "Ana", "facilitator")
    run("speakers", "rename", "Ana", "Anna")
    assert speakers(run)[("fg.txt", "Anna")] == ("facilitator", "user")


def test_a_replaced_source_keeps_the_roles_someone_chose(run: Run, study: Path, write_file: Any) -> None:
    run("speakers", "role", "Ben", "facilitator")
    run("ingest", "--replace", write_file("fg.txt", FG + "Ana: One more thing.\n"))
    assert speakers(run)[("fg.txt", "Ben")] == ("facilitator", "user")
    assert speakers(run)[("fg.txt", "Moderator")] == ("facilitator", "label")


def test_participants_file_role_column_sets_roles(run: Run, study: Path, write_file: Any) -> None:
    people = ("source,speaker,participant,role\n"
              "fg.txt,Moderator,P9,resident\n"     # a participant despite the label
              "fg.txt,Ben,F1,moderator\n"          # a facilitator despite the label
              "fg.txt,Ana,P1,\n")                  # no role given: the label decides
    result = run("participants", "import", write_file("p.csv", people))
    assert "1 facilitator(s) set by the role column" in result.stderr
    assert speakers(run) == {("fg.txt", "Moderator"): ("participant", "participants"),
                             ("fg.txt", "Ana"): ("participant", "label"),
                             ("fg.txt", "Ben"): ("facilitator", "participants")}


def test_facilitator_turns_get_no_suggestions_unless_asked(run: Run, study: Path) -> None:
    run("suggest")
    assert pending(run) == [(2, "coping")]
    run("suggest", "--include-facilitators")
    assert pending(run) == [(1, "coping"), (2, "coping"), (3, "coping")]
    result = run("suggest")  # the facilitators' pending suggestions are withdrawn again
    assert "2 withdrawn" in result.stderr
    assert pending(run) == [(2, "coping")]


def test_review_leaves_out_facilitator_turns_unless_asked(run: Run, study: Path) -> None:
    from qualcode.coding.decisions import DecisionFilter
    from qualcode.coding.review import ReviewSession
    from qualcode.project import open_project

    run("suggest", "--include-facilitators")
    db = open_project(study)
    try:
        assert ReviewSession(db, "kim", DecisionFilter([], [], include_facilitators=False), "source").queue() == [2]
        assert ReviewSession(db, "kim", DecisionFilter([], [], include_facilitators=True), "source").queue() == [1, 2, 3]
    finally:
        db.close()
    assert "--include-facilitators" in run("review", "--help").stdout


def themes(run: Run, *args: str) -> dict[str, Any]:
    return {r["code_id"]: r for r in json.loads(run("report", "themes", "-f", "json", *args).stdout)}


def test_reports_leave_facilitators_out_but_count_hand_coding(run: Run, study: Path) -> None:
    # An older project (or --include-facilitators) accepted suggestions on facilitator turns.
    run("suggest", "--include-facilitators")
    run("--coder", "kim", "accept")
    coping = themes(run)["coping"]
    assert (coping["segments"], coping["speakers"]) == (1, 1)  # Ana's turn only
    assert coping["share_of_segments"] == 0.5 and coping["share_of_speakers"] == 0.5  # of 2 turns, 2 people
    quotes = json.loads(run("report", "quotes", "-f", "json").stdout)
    assert [q["speaker"] for q in quotes] == ["Ana"]
    everything = themes(run, "--include-facilitators")["coping"]
    assert (everything["segments"], everything["speakers"]) == (3, 2)
    quotes = json.loads(run("report", "quotes", "--include-facilitators", "-f", "json").stdout)
    assert [q["speaker"] for q in quotes] == ["Moderator", "Ana", "Moderator"]
    # A coder codes the moderator's third turn by hand: deliberate, so it counts as a coded
    # segment, but the moderator is still not a speaker and still not quoted.
    run("--coder", "lee", "code", "3", "coping")
    coping = themes(run)["coping"]
    assert (coping["segments"], coping["speakers"]) == (2, 1)
    matrix = json.loads(run("report", "matrix", "--by", "source", "-f", "json").stdout)
    assert matrix[0]["counts"] == {"fg.txt": 2}
    people = json.loads(run("report", "matrix", "--by", "participant", "--count", "participants", "-f", "json").stdout)
    assert people[0]["total"] == 1
    per_code = json.loads(run("report", "quotes", "--per-code", "3", "-f", "json").stdout)
    assert [q["speaker"] for q in per_code] == ["Ana"]
    pairs = json.loads(run("report", "cooccurrence", "--include-facilitators", "-f", "json").stdout)
    assert pairs == []


def test_matrix_by_role_is_the_speaker_role_without_a_role_attribute(run: Run, study: Path) -> None:
    run("code", "2", "coping")
    run("code", "3", "coping")
    rows = json.loads(run("report", "matrix", "--by", "role", "--include-facilitators", "-f", "json").stdout)
    assert rows[0]["counts"] == {"facilitator": 1, "participant": 1}
    rows = json.loads(run("report", "matrix", "--by", "role", "-f", "json").stdout)
    assert rows[0]["counts"] == {"facilitator": 1, "participant": 1}  # a hand coding counts
    assert run("report", "matrix", "--by", "role", "-f", "md").stdout.startswith("# Matrix: codes by speaker role\n")


def test_a_role_attribute_and_the_speaker_role_are_titled_apart(run: Run, study: Path, write_file: Any) -> None:
    # A participants file whose role column holds jobs: `--by role` is that attribute, titled
    # "role attribute"; `--by speaker.role` is still the speaker role, titled "speaker role".
    run("participants", "import", write_file("people.csv", "source,speaker,participant,role\n"
                                             "fg.txt,Moderator,F1,moderator\nfg.txt,Ana,P1,nurse\n"
                                             "fg.txt,Ben,P2,resident\n"))
    run("code", "2", "coping")
    run("code", "3", "coping")
    by_attribute = run("report", "matrix", "--by", "role", "--include-facilitators", "-f", "md").stdout
    assert by_attribute.startswith("# Matrix: codes by role attribute\n")
    assert "| code | name | moderator | nurse | resident | total |" in by_attribute
    by_speaker = run("report", "matrix", "--by", "speaker.role", "--include-facilitators", "-f", "md").stdout
    assert by_speaker.startswith("# Matrix: codes by speaker role\n")
    assert "| code | name | facilitator | participant | total |" in by_speaker
    rows = json.loads(run("report", "matrix", "--by", "speaker.role", "-f", "json").stdout)
    assert rows[0]["counts"] == {"facilitator": 1, "participant": 1}


@pytest.mark.parametrize("command", [["report", "themes"], ["report", "quotes"], ["report", "matrix", "--by", "x"],
                                     ["report", "cooccurrence"], ["report", "agreement"], ["report", "html", "-o", "r"],
                                     ["report", "docx", "-o", "r"], ["report", "charts", "d"], ["suggest"],
                                     ["review"]])
def test_every_report_and_suggest_and_review_take_include_facilitators(run: Run, command: list[str]) -> None:
    assert "--include-facilitators" in run(*command, "--help").stdout
