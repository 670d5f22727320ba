"""Participants across sources (CSV and YAML), `speakers rename`, and reports that use them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run, db_snapshot

FG1 = "Fac: Start?\nAna: Seniors told us stories.\nBen: My cohort is close.\nAna: We talk.\n"
FG2 = "MODERATOR: Start?\nANA: The seniors were honest.\nBen: Same.\nANA: Yes.\n"


@pytest.fixture
def two_sources(run: Run, project: Path, write_file) -> Path:  # type: ignore[no-untyped-def]
    run("ingest", write_file("fg1.txt", FG1), write_file("fg2.txt", FG2))
    return project


def speakers(run: Run, *args: str) -> list[tuple[str, str, str | None, dict[str, str]]]:
    rows = json.loads(run("speakers", "--format", "json", *args).stdout)
    return [(r["source"], r["label"], r["participant"], r["attributes"]) for r in rows]


def test_csv_maps_labels_per_source_to_one_participant(run: Run, two_sources: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    csv = ("source,speaker,participant,role,site,year\n"
           "fg1.txt,Ana,P01,resident,North,PGY2\nfg2.txt,ANA,P01,resident,North,PGY2\n"
           "fg1.txt,Fac,F1,facilitator,North,\nfg9.txt,Zed,P99,resident,South,PGY1\n")
    result = run("participants", "import", write_file("p.csv", csv))
    assert "3 participants; 3 speaker labels linked" in result.stderr
    assert "not in the project, skipped: line 5: fg9.txt / Zed" in result.stderr
    people = {p["id"]: p for p in json.loads(run("participants", "list", "--format", "json").stdout)}
    assert people["P01"]["speakers"] == 2
    assert people["P01"]["attributes"] == {"role": "resident", "site": "North", "year": "PGY2"}
    assert ("fg2.txt", "ANA", "P01", {"role": "resident", "site": "North", "year": "PGY2"}) in speakers(run)


def test_yaml_import_and_star_source(run: Run, two_sources: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    yaml_text = ("participants:\n"
                 "  - {source: '*', speaker: Ben, participant: P02, role: resident, year: 2}\n"
                 "  - {source: fg2.txt, speaker: MODERATOR, participant: F1, role: facilitator}\n")
    run("participants", "import", write_file("p.yaml", yaml_text))
    got = {(s, label): pid for s, label, pid, _ in speakers(run)}
    assert got[("fg1.txt", "Ben")] == got[("fg2.txt", "Ben")] == "P02"
    assert got[("fg2.txt", "MODERATOR")] == "F1"


def test_bad_participants_file_changes_nothing(run: Run, two_sources: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot(two_sources)
    path = write_file("p.csv", "source,speaker\nfg1.txt,Ana\n")
    result = run("participants", "import", path, code=1)
    assert result.stderr == (f"Error: {path}:1: missing column(s) participant; "
                             "the header needs source,speaker,participant then one column per attribute\n")
    result = run("participants", "import", write_file("p.yaml", "- source: [unclosed\n"), code=1)
    assert "invalid YAML; fix the syntax" in result.stderr
    assert db_snapshot(two_sources) == before


def test_speakers_lists_without_a_subcommand(run: Run, two_sources: Path) -> None:
    assert [label for _, label, _, _ in speakers(run, "--source", "fg2.txt")] == ["MODERATOR", "ANA", "Ben"]
    table = run("speakers").stdout
    assert "fg1.txt" in table and "MODERATOR" in table
    assert run("speakers", "list", "--source", "fg1.txt").stdout.count("fg1.txt") == 3


def test_rename_everywhere_keeps_segments_and_codings(run: Run, two_sources: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("codebook", "load", write_file("cb.yaml", "codes:\n  - id: seniors\n    name: Seniors\n"))
    run("--coder", "kim", "code", "6", "seniors")  # fg2 turn 2: ANA: The seniors were honest.
    conn = sqlite3.connect(two_sources)
    before = conn.execute("SELECT id, start, end, text FROM segments ORDER BY id").fetchall()
    result = run("speakers", "rename", "ANA", "Ana")
    assert "Renamed 'ANA' to 'Ana' in 1 source(s); 2 segments now under 'Ana'" in result.stderr
    assert [label for _, label, _, _ in speakers(run, "--source", "fg2.txt")] == ["MODERATOR", "Ana", "Ben"]
    assert conn.execute("SELECT id, start, end, text FROM segments ORDER BY id").fetchall() == before
    quotes = json.loads(run("report", "quotes", "--format", "json").stdout)
    assert [(q["source"], q["speaker"], q["segment_id"]) for q in quotes] == [("fg2.txt", "Ana", 6)]


def test_rename_into_an_existing_label_merges_and_keeps_the_participant(run: Run, two_sources: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("participants", "import", write_file("p.csv", "source,speaker,participant,role\nfg2.txt,ANA,P01,resident\n"))
    run("speakers", "rename", "ANA", "Ben", "--source", "fg2.txt")
    rows = json.loads(run("speakers", "--format", "json", "--source", "fg2.txt").stdout)
    assert [(r["label"], r["turns"], r["participant"]) for r in rows] == [("MODERATOR", 1, None), ("Ben", 3, "P01")]


def test_rename_mistakes_are_one_line_and_change_nothing(run: Run, two_sources: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("participants", "import", write_file("p.csv", "source,speaker,participant\nfg1.txt,Ana,P01\nfg1.txt,Ben,P02\n"))
    before = db_snapshot(two_sources)
    assert run("speakers", "rename", "Zed", "Z", code=1).stderr == \
        "Error: no speaker labelled 'Zed'; run `qualcode speakers` to list the labels\n"
    assert run("speakers", "rename", "Ana", "Ana", code=1).stderr == "Error: 'Ana' is already called that; nothing to do\n"
    assert run("speakers", "rename", "Ana", "Ben", code=1).stderr == (
        "Error: fg1.txt: 'Ana' is participant P01 but 'Ben' is P02; link them to one participant first "
        "(qualcode participants import)\n")
    assert "unknown source 'nope.txt'" in run("speakers", "rename", "Ana", "A", "--source", "nope.txt", code=1).stderr
    assert db_snapshot(two_sources) == before


def test_themes_count_participants_not_labels(run: Run, two_sources: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("codebook", "load", write_file("cb.yaml", "codes:\n  - id: seniors\n    name: Seniors\n"))
    run("--coder", "kim", "code", "2", "seniors")  # fg1 Ana
    run("--coder", "kim", "code", "6", "seniors")  # fg2 ANA
    rows = {r["code_id"]: r for r in json.loads(run("report", "themes", "--format", "json").stdout)}
    assert rows["seniors"]["speakers"] == 2  # two labels, not yet known to be one person
    run("participants", "import", write_file("p.csv", "source,speaker,participant\nfg1.txt,Ana,P01\nfg2.txt,ANA,P01\n"))
    rows = {r["code_id"]: r for r in json.loads(run("report", "themes", "--format", "json").stdout)}
    assert rows["seniors"]["speakers"] == 1
