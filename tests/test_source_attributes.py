"""Participants and sources keep their own attributes (issue 14): a participant whose rows
disagree is refused naming the rows; session attributes (site, group, date) live on the
source (`ingest --attr`, `sources import`) and reports use both kinds. Participants files
that are spreadsheets, folders or link loops (issues 14.6, 19.9)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CODEBOOKS, SAMPLES, Run, break_deflate, db_snapshot

FG1 = "Fac: Start?\nAna: Seniors told us stories.\nBen: My cohort is close.\n"
FG2 = "MODERATOR: Start?\nANA: The seniors were honest.\nCy: Same here.\n"
CODEBOOK = "name: t\ncodes:\n  - id: support\n    name: Support\n"


@pytest.fixture
def two(run: Run, project: Path, write_file: Any) -> Path:
    run("ingest", write_file("fg1.txt", FG1), write_file("fg2.txt", FG2))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    return project


def test_a_participant_whose_rows_disagree_is_refused_naming_the_rows(run: Run, two: Path, write_file: Any) -> None:
    before = db_snapshot(two)
    path = write_file("p.csv", "source,speaker,participant,site\n"
                               "fg1.txt,Ana,P1,North\nfg1.txt,Ben,P2,North\nfg2.txt,ANA,P1,South\n")
    result = run("participants", "import", path, code=1)
    assert result.stderr == (
        f"Error: {path}:2 and {path}:4: participant P1 has two values for 'site' ('North' and 'South'); "
        "a participant's attributes must agree on every row; attributes of a session (site, group, date) "
        "belong in a sources file (qualcode sources import)\n")
    assert db_snapshot(two) == before


def test_an_empty_cell_agrees_with_any_value(run: Run, two: Path, write_file: Any) -> None:
    run("participants", "import", write_file("p.csv", "source,speaker,participant,year\n"
                                                      "fg1.txt,Ana,P1,PGY2\nfg2.txt,ANA,P1,\n"))
    people = json.loads(run("participants", "list", "-f", "json").stdout)
    assert people[0]["attributes"] == {"year": "PGY2"} and people[0]["speakers"] == 2


def test_yaml_conflicts_name_the_lines_of_the_entries(run: Run, two: Path, write_file: Any) -> None:
    path = write_file("p.yaml", "participants:\n"
                                "  - {source: fg1.txt, speaker: Ana, participant: P1, pseudonym: Alex}\n"
                                "  - source: fg2.txt\n    speaker: ANA\n    participant: P1\n    pseudonym: Sam\n")
    result = run("participants", "import", path, code=1)
    assert result.stderr.startswith(f"Error: {path}:2 and {path}:3: participant P1 has two values for 'pseudonym'")


def test_one_speaker_mapped_to_two_participants_is_refused(run: Run, two: Path, write_file: Any) -> None:
    path = write_file("p.csv", "source,speaker,participant\nfg1.txt,Ana,P1\nfg1.txt,Ana,P2\n")
    result = run("participants", "import", path, code=1)
    assert result.stderr == (f"Error: {path}:2 and {path}:3: speaker 'Ana' of fg1.txt is mapped to P1 and to P2; "
                             "one speaker label is one person\n")


def test_an_xlsx_participants_file_is_read(run: Run, two: Path, tmp_path: Path) -> None:
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["source", "speaker", "participant", "role", "year", "joined"],
                ["fg1.txt", "Ana", "P1", "resident", 2, datetime.datetime(2024, 3, 1)],
                [None, None, None, None, None, None],
                ["fg1.txt", "Fac", "F1", "facilitator", None, None]):
        sheet.append(row)
    book.save(tmp_path / "people.xlsx")
    result = run("participants", "import", tmp_path / "people.xlsx")
    assert "2 participants; 2 speaker labels linked" in result.stderr
    people = {p["id"]: p["attributes"] for p in json.loads(run("participants", "list", "-f", "json").stdout)}
    assert people == {"F1": {"role": "facilitator"}, "P1": {"role": "resident", "year": "2", "joined": "2024-03-01"}}


def test_an_xlsx_whose_sheet_data_is_damaged_is_one_clear_line(run: Run, two: Path, tmp_path: Path) -> None:
    """The workbook opens (read-only mode inflates a sheet only while its rows are read), then
    its sheet's deflate stream breaks: one error line, nothing imported."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["source", "speaker", "participant", "site"])
    for k in range(200):
        sheet.append(["fg1.txt", "Ana", f"P{k}", f"site {k * 7919 % 1000}"])
    path = tmp_path / "people.xlsx"
    book.save(path)
    break_deflate(path, "xl/worksheets/sheet1.xml")
    before = run("participants", "list", "-f", "json").stdout
    result = run("participants", "import", path, code=1)
    assert result.stderr == (f"Error: {path}: is not a readable .xlsx workbook; open it in your spreadsheet "
                             "program and save it again as .xlsx, or as CSV UTF-8\n")
    assert run("participants", "list", "-f", "json").stdout == before


def test_an_xlsx_conflict_names_the_spreadsheet_rows(run: Run, two: Path, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["source", "speaker", "participant", "site"], ["fg1.txt", "Ana", "P1", "North"],
                ["fg2.txt", "ANA", "P1", "South"]):
        sheet.append(row)
    path = tmp_path / "people.xlsx"
    book.save(path)
    result = run("participants", "import", path, code=1)
    assert result.stderr.startswith(f"Error: {path}:2 and {path}:3: participant P1 has two values for 'site'")


@pytest.mark.parametrize("name, data, message", [
    ("people.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
     "qualcode reads .xlsx workbooks and CSV, not .xls; in your spreadsheet program use Save As: "
     "Excel Workbook (.xlsx) or CSV UTF-8"),
    ("people.xlsx", b"PK\x03\x04 not really a workbook",
     "is not a readable .xlsx workbook; open it in your spreadsheet program and save it again as .xlsx, "
     "or as CSV UTF-8"),
    ("people.csv", "source,speaker,participant\nfg1.txt,Ana,Zoë\n".encode("latin-1"),
     "is not UTF-8 text; save the CSV as UTF-8 (CSV UTF-8 in Excel)"),
])
def test_spreadsheet_mistakes_are_one_line(run: Run, two: Path, tmp_path: Path, name: str, data: bytes,
                                           message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    before = db_snapshot(two)
    result = run("participants", "import", path, code=1)
    assert result.stderr == f"Error: {path}: {message}\n"
    assert db_snapshot(two) == before


@pytest.mark.parametrize("command", [["participants", "import"], ["sources", "import"]])
def test_a_folder_or_a_link_loop_is_one_line(run: Run, two: Path, tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "folder").mkdir()
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    what = command[0] + " file"
    result = run(*command, tmp_path / "folder", code=1)
    assert result.stderr == f"Error: {tmp_path / 'folder'}: is a folder; give the {what} (CSV, YAML or .xlsx) inside it\n"
    result = run(*command, tmp_path / "loop", code=1)
    assert result.stderr == (f"Error: {tmp_path / 'loop'}: is a symbolic link that points to itself (a loop); "
                             f"give the {what} itself\n")
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_sources_file_gives_sessions_their_attributes(run: Run, two: Path, write_file: Any) -> None:
    result = run("sources", "import", write_file("s.csv", "source,site,group,date\n"
                                                         "fg1.txt,North,g1,2024-03-01\nfg2.txt,South,g2,\n"
                                                         "fg9.txt,East,g9,\n"))
    assert result.stderr == ("2 source(s) given site, group, date\n"
                             "not in the project, skipped: line 4: fg9.txt\n")
    info = {s["name"]: s for s in json.loads(run("sources", "--format", "json").stdout)}
    assert info["fg1.txt"]["group"] == "g1" and info["fg1.txt"]["attributes"] == {"site": "North", "date": "2024-03-01"}
    assert info["fg2.txt"]["group"] == "g2" and info["fg2.txt"]["attributes"] == {"site": "South"}
    assert "site=North" in run("sources").stdout and "site=North" in run("sources", "list").stdout


def test_sources_file_conflicts_are_refused(run: Run, two: Path, write_file: Any) -> None:
    before = db_snapshot(two)
    path = write_file("s.csv", "source,site\nfg1.txt,North\nfg1.txt,South\n")
    result = run("sources", "import", path, code=1)
    assert result.stderr == (f"Error: {path}:2 and {path}:3: source fg1.txt has two values for 'site' "
                             "('North' and 'South'); give each source one value per attribute\n")
    result = run("sources", "import", write_file("t.csv", "name,site\nfg1.txt,North\n"), code=1)
    assert "missing column(s) source" in result.stderr
    assert db_snapshot(two) == before


def test_matrix_and_quotes_use_source_attributes(run: Run, two: Path, write_file: Any) -> None:
    run("sources", "import", write_file("s.csv", "source,site,group\nfg1.txt,North,g1\nfg2.txt,South,g2\n"))
    for segment in ("2", "3", "5"):
        run("code", segment, "support")
    by_site = json.loads(run("report", "matrix", "--by", "site", "-f", "json").stdout)
    assert by_site[0]["counts"] == {"North": 2, "South": 1}
    assert json.loads(run("report", "matrix", "--by", "group", "-f", "json").stdout)[0]["counts"] == {"g1": 2, "g2": 1}
    quotes = json.loads(run("report", "quotes", "-f", "json").stdout)
    assert quotes[0]["attributes"] == {"group": "g1", "site": "North"}
    quotes = json.loads(run("report", "quotes", "--attr", "site", "-f", "json").stdout)
    assert [q["attributes"] for q in quotes] == [{"site": "North"}, {"site": "North"}, {"site": "South"}]
    # A participant attribute of the same name: the report refuses to guess.
    result = run("participants", "import", write_file("p.csv", "source,speaker,participant,site\n"
                                                               "fg1.txt,Ana,P1,Elsewhere\n"))
    result = run("report", "matrix", "--by", "site", code=1)
    assert result.stderr == ("Error: 'site' is both a participant attribute and a source attribute; say which: "
                             "--by participant.site or --by source.site\n")
    assert json.loads(run("report", "matrix", "--by", "source.site", "-f", "json").stdout)[0]["counts"] == {
        "North": 2, "South": 1}
    assert json.loads(run("report", "matrix", "--by", "participant.site", "-f", "json").stdout)[0]["counts"] == {
        "Elsewhere": 1, "(none)": 2}
    quotes = json.loads(run("report", "quotes", "-f", "json").stdout)
    assert quotes[0]["attributes"] == {"site": "Elsewhere", "group": "g1", "source.site": "North"}


def test_ingest_attr_is_a_source_attribute_for_reports(run: Run, project: Path, write_file: Any) -> None:
    run("ingest", "--attr", "site=North", write_file("fg1.txt", FG1))
    run("ingest", "--attr", "site=South", write_file("fg2.txt", FG2))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    run("code", "2", "support")
    assert json.loads(run("report", "matrix", "--by", "site", "-f", "json").stdout)[0]["counts"] == {
        "North": 1, "South": 0}


def test_the_demo_files_agree_and_the_matrix_by_group_counts_each_session(run: Run, project: Path) -> None:
    """The demo's facilitator used to have two sites and EM-P04 two groups: the last row won,
    and `report matrix --by group` based its percentages on 97 and 180 segments where the
    groups' sources hold 139 and 140 turns (115 and 120 of them the residents')."""
    from qualcode.project import open_project
    from qualcode.reports.matrix import matrix_report

    run("ingest", SAMPLES / "em_peer_support_fg1.txt", SAMPLES / "em_peer_support_fg2.txt")
    run("participants", "import", SAMPLES / "participants_em.csv")
    run("sources", "import", SAMPLES / "sources_em.csv")
    run("codebook", "load", CODEBOOKS / "em_peer_support.yaml")
    db = open_project(project)
    try:
        assert matrix_report(db, "group").bases == {"peer-support-1": 115, "peer-support-2": 120}
        assert matrix_report(db, "group", include_facilitators=True).bases == {"peer-support-1": 139,
                                                                              "peer-support-2": 140}
        roles = dict(db.execute("SELECT sp.label || '@' || src.name, sp.role FROM speakers sp "
                                "JOIN sources src ON src.id = sp.source_id WHERE sp.role = 'facilitator'").fetchall())
    finally:
        db.close()
    assert roles == {"Facilitator@em_peer_support_fg1.txt": "facilitator",
                     "Facilitator@em_peer_support_fg2.txt": "facilitator"}
    for name in ("intervision", "mentorship"):
        for kind in ("participants", "sources"):
            assert (SAMPLES / f"{kind}_{name}.csv").exists()


def test_the_full_report_picks_an_unambiguous_default_attribute(run: Run, two: Path, write_file: Any) -> None:
    from qualcode.project import open_project
    from qualcode.reports.full import default_attribute

    run("participants", "import", write_file("p.csv", "source,speaker,participant,group\nfg1.txt,Ana,P1,a\n"))
    run("sources", "import", write_file("s.csv", "source,group\nfg1.txt,g1\n"))
    db = open_project(two)
    try:
        assert default_attribute(db) == "participant.group"
    finally:
        db.close()
    run("code", "2", "support")
    run("report", "html", "--output", "r.html")
