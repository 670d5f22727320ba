"""`qualcode import codings FILE.csv`: a spreadsheet of codings in one transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run, db_snapshot
from tests.test_review import CODEBOOK, SUGGESTIONS, VTT, add_suggestions, pending  # noqa: F401  (pending is a fixture)
from tests.conftest import query as q

CSV = """\
source,segment,quote,code,coder,memo
night.vtt,2,,exhaustion,maria,
night.vtt,,burning out,humour,maria,Irony?
night.vtt,3,My peers,support,,
night.vtt,5,,support,lee,
night.vtt,,exhausted,exhaustion,lee,
night.vtt,9,,support,lee,
other.vtt,2,,support,lee,
night.vtt,2,,coffee,lee,
night.vtt,2,never said,support,lee,
"""


def test_import_applies_matching_rows_and_reports_the_others(run: Run, pending: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    write_file("codings.csv", CSV)
    err = run("--coder", "ana", "import", "codings", "codings.csv").stderr
    assert err.splitlines() == [
        "Imported codings.csv: 9 row(s); 2 coding(s) added, 2 suggestion(s) accepted, 0 already present, 1 memo(s), "
        "5 unmatched",
        "  row 6: the quote occurs 2 times in the source; add the segment id",
        "  row 7: no such segment in that source",
        "  row 8: unknown source",
        "  row 9: unknown code id",
        "  row 10: the quote is not in that segment",
    ]
    assert "never said" not in err  # transcript words are never echoed
    rows = q(pending, "SELECT s.ordinal, c.code_id, c.coder, c.status, c.origin, "
                      "substr(src.text, c.start + 1, c.end - c.start) FROM codings c JOIN segments s "
                      "ON s.id = c.segment_id JOIN sources src ON src.id = c.source_id "
                      "WHERE c.status = 'accepted' ORDER BY c.id")
    assert [r[:5] for r in rows] == [(2, "exhaustion", "maria", "accepted", "suggest"),
                                     (5, "support", "lee", "accepted", "suggest"),
                                     (2, "humour", "maria", "accepted", "import"),
                                     (3, "support", "ana", "accepted", "import")]
    assert rows[2][5] == "burning out" and rows[3][5] == "My peers"
    assert q(pending, "SELECT target_type, author, text FROM memos") == [("coding", "maria", "Irony?")]
    assert q(pending, "SELECT count(DISTINCT batch) FROM events WHERE action IN ('import', 'code')") == [(1,)]


def test_importing_again_finds_everything_already_present(run: Run, pending: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    write_file("codings.csv", CSV)
    run("import", "codings", "codings.csv")
    before = db_snapshot(pending)
    err = run("import", "codings", "codings.csv").stderr
    assert "0 coding(s) added, 0 suggestion(s) accepted, 4 already present, 0 memo(s), 5 unmatched" in err
    assert db_snapshot(pending) == before


def test_unmatched_rows_can_be_written_out(run: Run, pending: Path, write_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_file("codings.csv", CSV)
    run("import", "codings", "codings.csv", "--unmatched", "left.csv")
    lines = (tmp_path / "left.csv").read_text().splitlines()
    assert lines[0] == "row,problem,code,coder,memo,quote,segment,source"
    assert lines[1] == "6,the quote occurs 2 times in the source; add the segment id,exhaustion,lee,,exhausted,,night.vtt"
    assert len(lines) == 6


def test_export_csv_round_trips_through_import(run: Run, pending: Path, tmp_path: Path) -> None:
    run("--coder", "maria", "accept", "--min-score", "0.5")
    run("--coder", "maria", "code", "2", "humour", "--quote", "burning out")
    run("export", "csv", "out.csv")
    run("--db", "copy.db", "init")
    run("--db", "copy.db", "ingest", "night.vtt")
    run("--db", "copy.db", "codebook", "load", "cb.yaml")
    err = run("--db", "copy.db", "import", "codings", "out.csv").stderr
    assert "4 coding(s) added, 0 suggestion(s) accepted, 0 already present, 0 memo(s), 0 unmatched" in err
    spans = "SELECT code_id, coder, start, end FROM codings WHERE status = 'accepted' ORDER BY start, code_id"
    assert q(tmp_path / "copy.db", spans) == q(pending, spans)


def test_a_crash_in_the_middle_leaves_the_project_as_it_was(run: Run, pending: Path, write_file,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import qualcode.coding.import_csv as module

    write_file("codings.csv", CSV)
    real = module.code_span
    calls = []

    def crash_on_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("simulated crash")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "code_span", crash_on_third)
    before = db_snapshot(pending)
    result = run("import", "codings", "codings.csv", code=1)
    assert isinstance(result.exception, RuntimeError)
    assert len(calls) == 3  # two rows had been written inside the transaction
    assert db_snapshot(pending) == before


@pytest.mark.parametrize(("text", "message"), [
    ("source,code\nnight.vtt,humour\n", "Error: codings.csv: missing column(s) segment or quote; the header needs "
                                        "source, code, segment and/or quote (optional: coder, memo)\n"),
    ("segment,code\n2,humour\n", "Error: codings.csv: missing column(s) source; the header needs source, code, "
                                 "segment and/or quote (optional: coder, memo)\n"),
])
def test_missing_columns_are_refused(run: Run, pending: Path, write_file, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    write_file("codings.csv", text)
    before = db_snapshot(pending)
    assert run("import", "codings", "codings.csv", code=1).stderr == message
    assert db_snapshot(pending) == before


def test_not_utf8_and_missing_files(run: Run, pending: Path, tmp_path: Path) -> None:
    (tmp_path / "latin.csv").write_bytes("source,segment,code\nnight.vtt,2,caf\xe9\n".encode("latin-1"))
    assert run("import", "codings", "latin.csv", code=1).stderr == (
        "Error: latin.csv: is not UTF-8 text; save the spreadsheet as CSV UTF-8\n")
    assert run("import", "codings", "nope.csv", code=1).stderr == "Error: nope.csv: no such file; check the path\n"


def test_old_code_ids_follow_renames(run: Run, pending: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    from tests.test_review import CODEBOOK as V1

    run("codebook", "load", write_file("v2.yaml", V1.replace(
        "  - id: humour\n    name: Humour\n", "  - id: jokes\n    name: Jokes\n    renamed_from: humour\n")), "--yes")
    write_file("codings.csv", "source,segment,code\nnight.vtt,4,humour\n")
    assert "1 coding(s) added" in run("import", "codings", "codings.csv").stderr
    assert q(pending, "SELECT code_id FROM codings WHERE origin = 'import'") == [("jokes",)]


def test_undo_does_not_reverse_an_import(run: Run, pending: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    write_file("codings.csv", CSV)
    run("--coder", "ana", "code", "4", "humour")
    run("--coder", "ana", "import", "codings", "codings.csv")
    before = db_snapshot(pending)
    assert run("--coder", "ana", "undo", code=1).stderr == (
        "Error: ana's last change was an import, which undo does not reverse; `qualcode log` shows what it did\n")
    assert db_snapshot(pending) == before
    assert q(pending, "SELECT DISTINCT action FROM events WHERE coding_id IS NOT NULL ORDER BY action") == [
        ("code",), ("import",)]
