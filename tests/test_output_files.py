"""Issue 19.1 and 14.5: where and how output files are written.

No command writes over the open project (or its -wal/-shm), over a file it reads, or over a
file qualcode did not write; replacing is atomic. The suffix decides the format, a
contradicting --format is refused, .xlsx is a real workbook, and spreadsheet cells that start
like a formula are neutralised.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import sqlite3
from pathlib import Path

import docx
import openpyxl
import pytest

from tests.conftest import Run
from tests.test_reports_golden import study  # noqa: F401  (fixture)


def _codings(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM codings").fetchone()[0])


# ------------------------------------------------------------------ never over the project


@pytest.mark.parametrize("args", [
    ("export", "csv", "qualcode.db"),
    ("export", "csv", "./sub/../qualcode.db"),
    ("report", "themes", "--output", "qualcode.db"),
    ("report", "themes", "--format", "csv", "--output", "qualcode.db-wal"),
    ("report", "quotes", "--output", "qualcode.db-shm"),
    ("codebook", "export", "--output", "qualcode.db"),
    ("export", "qdpx", "qualcode.db"),
])
def test_no_command_writes_over_the_open_project(run: Run, study: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "sub").mkdir()
    # The fixture's in-process commands leave connections for the garbage collector; one closed
    # during the run below would checkpoint the WAL and grow the file: close them first.
    gc.collect()
    before = _codings(study)
    size = study.stat().st_size
    result = run(*args, code=1 if "qdpx" not in args else 2)  # a .db is no .qdpx: a usage error
    assert "Traceback" not in result.stderr
    if "qdpx" not in args:
        assert len(result.stderr.strip().splitlines()) == 1
    assert _codings(study) == before and study.stat().st_size == size
    run("report", "themes", "--format", "json")  # still a project


def test_the_project_through_a_link_or_another_name_is_refused(run: Run, study: Path, tmp_path: Path) -> None:
    (tmp_path / "link.csv").symlink_to(study)
    result = run("export", "csv", "link.csv", code=1)
    assert result.stderr == "Error: link.csv is the open project; choose another file name for the output\n"
    run("--db", str(study), "report", "themes", "--output", str(study.resolve()), code=1)
    assert _codings(study) > 0


def test_another_project_or_a_file_of_another_kind_is_not_replaced(run: Run, study: Path, tmp_path: Path) -> None:
    run("--db", "other.db", "init")
    result = run("export", "csv", "other.db", code=1)
    assert run("report", "themes", "--output", "other.db", code=1).stderr == result.stderr
    assert result.stderr == ("Error: other.db already exists and is an SQLite database (a qualcode project?), "
                             "so qualcode will not replace it; choose another file name, or delete it first\n")
    (tmp_path / "notes.txt").write_text("my notes\n")
    run("report", "themes", "--format", "md", "--output", "notes.txt", code=2)  # suffix contradicts the format
    assert (tmp_path / "notes.txt").read_text() == "my notes\n"
    (tmp_path / "folder.csv").mkdir()
    assert "is not a file" in run("report", "themes", "--output", "folder.csv", code=1).stderr


def test_a_word_file_qualcode_did_not_write_is_kept(run: Run, study: Path, tmp_path: Path) -> None:
    draft = docx.Document()
    draft.add_paragraph("My paper, chapter 3.")
    draft.save(str(tmp_path / "paper.docx"))
    result = run("report", "docx", "--output", "paper.docx", code=1)
    assert result.stderr == ("Error: paper.docx already exists and was not written by qualcode, so qualcode will not "
                             "replace it; choose another file name, or delete it first\n")
    assert docx.Document(str(tmp_path / "paper.docx")).paragraphs[0].text == "My paper, chapter 3."
    run("report", "docx", "--output", "report.docx")
    run("report", "docx", "--output", "report.docx")  # its own output: replaced
    run("report", "themes", "--output", "t.xlsx")
    run("report", "themes", "--output", "t.xlsx")


def test_an_input_is_never_the_output(run: Run, study: Path, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("source,segment,code\nfg1.txt,999,coping\n")
    result = run("import", "codings", "in.csv", "--unmatched", "in.csv", code=1)
    assert result.stderr == "Error: in.csv is the file this command reads; choose another file name for the output\n"
    assert (tmp_path / "in.csv").read_text() == "source,segment,code\nfg1.txt,999,coping\n"


def test_replacing_is_atomic(run: Run, study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("report", "themes", "--output", "t.csv")
    old = (tmp_path / "t.csv").read_bytes()

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", full_disk)
    result = run("report", "themes", "--format", "csv", "--include-suggested", "--output", "t.csv", code=1)
    assert result.stderr.startswith("Error: cannot write t.csv (No space left on device); nothing was written")
    assert (tmp_path / "t.csv").read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


# ------------------------------------------------------------------ the suffix decides


def test_xlsx_is_a_real_workbook_for_every_tabular_report(run: Run, study: Path, tmp_path: Path) -> None:
    for args, sheets in ((["themes"], ["Themes and codes"]), (["quotes"], ["Quotes"]),
                         (["matrix", "--by", "role"], ["Codes by role attribute"]),
                         (["cooccurrence"], ["Co-occurring codes", "Co-occurrence matrix"]),
                         (["agreement"], ["Agreement", "Disagreements"])):
        out = tmp_path / f"{args[0]}.xlsx"
        run("report", *args, "--output", out)
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == sheets
    sheet = openpyxl.load_workbook(tmp_path / "themes.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("code_id", "name", "parent_id", "depth", "segments")
    assert rows[1][:5] == ("support", "Peer support", None, 0, 4)  # numbers are numbers
    assert rows[2][1] == "Seniors' stories" and sheet["B3"].alignment.indent == 1  # hierarchy as an indent
    run("export", "csv", "codings.xlsx")
    coded = list(openpyxl.load_workbook(tmp_path / "codings.xlsx").active.iter_rows(values_only=True))
    assert coded[0] == ("source", "segment", "quote", "code", "coder", "status", "start", "end", "memo")
    run("codebook", "export", "--output", "codebook.xlsx")
    assert openpyxl.load_workbook(tmp_path / "codebook.xlsx").active["A2"].value == "support"


@pytest.mark.parametrize("args, message", [
    (("report", "themes", "--format", "csv", "--output", "t.xlsx"), "--format csv contradicts the file name t.xlsx"),
    (("report", "themes", "--format", "docx", "--output", "t.pdf"), "--format docx contradicts the file name t.pdf"),
    (("report", "html", "--output", "r.md"), "this command writes HTML; name the file .html (not r.md)"),
    (("report", "docx", "--output", "r.pdf"), "this command writes DOCX; name the file .docx (not r.pdf)"),
    (("report", "themes", "--output", "t.html"), "this command cannot write .html files"),
    (("export", "csv", "codings.json"), "this command cannot write .json files"),
    (("export", "qdpx", "p.qdc"), "this command writes QDPX; name the file .qdpx (not p.qdc)"),
    # A suffix qualcode does not write at all: not a text table under a .pdf or .xls name.
    (("report", "themes", "--output", "t.pdf"), "this command cannot write .pdf files"),
    (("report", "matrix", "--by", "group", "--output", "m.xls"), "this command cannot write .xls files"),
    (("export", "csv", "codings.xls"), "this command cannot write .xls files"),
    (("codebook", "export", "--output", "cb.odt"), "this command cannot write .odt files"),
])
def test_a_suffix_that_contradicts_the_format_is_refused(run: Run, study: Path, tmp_path: Path,
                                                         args: tuple[str, ...], message: str) -> None:
    result = run(*args, code=2)
    assert message in " ".join(result.stderr.split())
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".pdf", ".md", ".html", ".json", ".qdc", ".xls", ".odt")]


def test_the_suffix_decides_without_format(run: Run, study: Path, tmp_path: Path) -> None:
    run("report", "themes", "--output", "t.md")
    assert (tmp_path / "t.md").read_text().startswith("# Theme frequencies")
    run("report", "themes", "--output", "t.json")
    assert (tmp_path / "t.json").read_text().startswith("[")
    run("report", "themes", "--format", "csv", "--output", "t.csv")  # agreeing: fine


# ------------------------------------------------------------------ formula injection

HOSTILE = """\
codes:
  - id: calc
    name: "=HYPERLINK(\\"http://x.example\\",\\"click\\")"
    keywords: [seniors]
  - id: plus
    name: "+1 cmd"
  - id: minus
    name: "-2+3"
  - id: at
    name: "@SUM(A1)"
"""


def test_formula_like_cells_are_neutralised_in_csv_and_xlsx(run: Run, project: Path, tmp_path: Path) -> None:
    (tmp_path / "fg.txt").write_text("Ana: The seniors helped.\nBen: =1+1 is what I wrote.\n")
    (tmp_path / "cb.yaml").write_text(HOSTILE)
    run("ingest", "fg.txt")
    run("codebook", "load", "cb.yaml")
    run("code", "1", "calc", "--memo", "-bullet note")
    run("code", "2", "plus")
    run("report", "themes", "--output", "t.csv")
    names = [r["name"] for r in csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text()))]
    assert names == ["'=HYPERLINK(\"http://x.example\",\"click\")", "'+1 cmd", "'-2+3", "'@SUM(A1)"]
    run("report", "themes", "--output", "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    cells = [sheet.cell(row=r, column=2) for r in range(2, 6)]
    assert [c.value for c in cells] == ["=HYPERLINK(\"http://x.example\",\"click\")", "+1 cmd", "-2+3",
                                        "@SUM(A1)"]  # as written, ...
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)  # ... as text, never a formula
    run("export", "csv", "codings.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "codings.csv").read_text())))
    assert [(r["quote"], r["memo"]) for r in rows] == [("The seniors helped.", "'-bullet note"),
                                                       ("'=1+1 is what I wrote.", "")]
    # qualcode reads its own neutralised cells back as they were written
    run("--db", "copy.db", "init")
    run("--db", "copy.db", "ingest", "fg.txt")
    run("--db", "copy.db", "codebook", "load", "cb.yaml")
    err = run("--db", "copy.db", "import", "codings", "codings.csv").stderr
    assert "2 coding(s) added" in err and "1 memo(s), 0 unmatched" in err
    assert run("--db", "copy.db", "memo", "list", "--format", "json").stdout.count('"-bullet note"') == 1


def test_tab_and_carriage_return_starts_are_neutralised_too() -> None:
    from qualcode.output_files import neutralised, restored

    for text in ("\tx", "\rx", "=x", "+x", "-x", "@x"):
        assert neutralised(text) == "'" + text and restored(neutralised(text)) == text
    assert neutralised(-2) == -2 and neutralised("x=1") == "x=1" and restored("'quoted'") == "'quoted'"
