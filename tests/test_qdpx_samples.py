"""Every REFI-QDA sample in ../shared/refi-qda/samples imports, with the counts SOURCES.md
states, and NVivo's selection positions land on the same words in qualcode."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.ingest.decode import normalise
from tests.conftest import Run, db_snapshot, shared_or_skip
from tests.conftest import query

NS = {"q": "urn:QDA-XML:project:1.0"}


def sample(name: str) -> Path:
    return shared_or_skip("refi-qda", "samples", name)


def one(db: Path, sql: str) -> Any:
    return query(db, sql)[0][0]


@pytest.fixture(scope="module")
def nvivo12_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The NVivo 12 sample imported once for the tests that only read it (an import takes
    seconds); each copies it into its own folder."""
    path = sample("nvivo12.6-win_oltas0517.qdpx")
    folder = tmp_path_factory.mktemp("nvivo12")
    result = CliRunner().invoke(app, ["--db", str(folder / "qualcode.db"), "import", "qdpx", str(path)])
    assert result.exit_code == 0, result.output
    return folder / "qualcode.db"


def copy_of(project: Path, tmp_path: Path) -> Path:
    """``project`` as ./qualcode.db (WAL checkpointed into the one file first)."""
    with sqlite3.connect(project) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return Path(shutil.copyfile(project, tmp_path / "qualcode.db"))


def dry_run_json(run: Run, path: Path, *extra: str) -> dict[str, Any]:
    return json.loads(run("import", "qdpx", path, "--dry-run", "--format", "json", *extra).stdout)


def test_nvivo12_imports_with_the_stated_counts(run: Run, tmp_path: Path) -> None:
    result = run("import", "qdpx", sample("nvivo12.6-win_oltas0517.qdpx"))
    db = tmp_path / "qualcode.db"
    assert "codes: 152 added" in result.stdout
    assert one(db, "SELECT count(*) FROM codes WHERE status = 'active'") == 152
    assert one(db, "SELECT count(*) FROM codes WHERE parent_id IS NOT NULL") > 100  # nested
    assert one(db, "SELECT count(*) FROM sources") == 2
    assert one(db, "SELECT count(*) FROM codings WHERE status = 'accepted' AND origin = 'import'") == 303
    assert {r[0] for r in query(db, "SELECT DISTINCT coder FROM codings")} <= {"Gergo", "floriansipos"}
    assert sorted(r[0] for r in query(db, "SELECT local_id FROM refi_ids WHERE kind = 'user'")) == ["Gergo", "floriansipos"]
    assert "1 code(s) marked not codable" in result.stdout
    # The .txt files start with a BOM and use CRLF: the stored text has neither.
    for (text,) in query(db, "SELECT text FROM sources"):
        assert "\r" not in text and not text.startswith("\ufeff")
        assert sum(ord(ch) > 0xFFFF for ch in text) > 300  # the emoji survive


def _nvivo_selections(path: Path) -> tuple[dict[str, tuple[int, int, str]], dict[str, bytes]]:
    """coding GUID → (start, end, source GUID), and source GUID → raw .txt bytes."""
    from lxml import etree

    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        files = {}
        out = {}
        for src in root.iterfind(".//q:TextSource", NS):
            guid = src.get("guid")
            files[guid] = zf.read("Sources/" + src.get("plainTextPath").split("://")[1])
            for sel in src.iterfind("q:PlainTextSelection", NS):
                for coding in sel.iterfind("q:Coding", NS):
                    out[coding.get("guid")] = (int(sel.get("startPosition")), int(sel.get("endPosition")), guid)
    return out, files


def _words(text: str) -> str:
    return " ".join(text.split())


def _compare_selected_text(db: Path) -> tuple[int, int]:
    path = sample("nvivo12.6-win_oltas0517.qdpx")
    selections, files = _nvivo_selections(path)
    rows = query(db, "SELECT r.guid, c.start, c.end, s.text FROM codings c JOIN refi_ids r ON r.kind = 'coding' "
                     "AND r.local_id = CAST(c.id AS TEXT) JOIN sources s ON s.id = c.source_id")
    assert len(rows) == 303
    same = differ = 0
    encoded: dict[str, bytes] = {}
    for guid, start, end, text in rows:
        a, b, source = selections[guid]
        # What NVivo selected: UTF-16 code units of the file, BOM dropped, CRLF as two.
        units = encoded.setdefault(source, files[source].decode("utf-8-sig").encode("utf-16-le"))
        expected = normalise(units[2 * a:2 * b].decode("utf-16-le"))  # as qualcode stores text
        if _words(text[start:end]) == _words(expected) and _words(expected):
            same += 1
        else:
            differ += 1
    return same, differ


def test_nvivo12_positions_select_exactly_the_words_nvivo_selected(nvivo12_project: Path) -> None:
    same, differ = _compare_selected_text(nvivo12_project)
    assert (same, differ) == (303, 0)


def test_counting_nvivo12_positions_as_code_points_would_select_the_wrong_words(run: Run, tmp_path: Path) -> None:
    run("import", "qdpx", sample("nvivo12.6-win_oltas0517.qdpx"), "--positions", "codepoints")
    same, differ = _compare_selected_text(tmp_path / "qualcode.db")
    assert differ > 250  # the emoji shift almost every selection


def test_nvivo12_selections_fall_on_line_boundaries_only_in_utf16(tmp_path: Path) -> None:
    """The evidence for NVivo's convention (the figures quoted in the issue)."""
    selections, files = _nvivo_selections(sample("nvivo12.6-win_oltas0517.qdpx"))
    breaks = ("\r", "\n")

    def on_lines(units: list[str], a: int, b: int) -> bool:
        def edge(i: int) -> bool:
            return i <= 0 or i >= len(units) or units[i - 1] in breaks or units[i] in breaks
        return edge(a) and edge(b)

    texts = {g: data.decode("utf-8-sig") for g, data in files.items()}
    unit_lists = {}
    for g, text in texts.items():
        raw16 = text.encode("utf-16-le")
        unit_lists[g] = [raw16[k:k + 2].decode("utf-16-le", errors="replace") for k in range(0, len(raw16), 2)]
    utf16 = codepoints = 0
    for a, b, source in selections.values():
        utf16 += on_lines(unit_lists[source], a, b)
        codepoints += on_lines(list(texts[source]), a, b)
    assert utf16 >= 270
    assert codepoints <= 20


def test_nvivo15_imports_codes_and_skips_its_empty_sources(run: Run, tmp_path: Path) -> None:
    data = dry_run_json(run, sample("nvivo15-mac_nvivo_project.qdpx"))
    assert data["codes_added"] == 262
    assert data["sources_added"] == [] and data["codings_added"] == 0
    assert [(s["kind"], s["reason"]) for s in data["skipped"]] == [("source", "its text is empty")] * 2
    assert not (tmp_path / "qualcode.db").exists()  # a dry run writes nothing
    run("import", "qdpx", sample("nvivo15-mac_nvivo_project.qdpx"))
    db = tmp_path / "qualcode.db"
    assert one(db, "SELECT count(*) FROM codes") == 262
    assert one(db, "SELECT count(*) FROM codes WHERE parent_id IS NOT NULL") > 0


def test_atlasti_imports_two_users_and_three_nested_codes(run: Run, tmp_path: Path) -> None:
    data = dry_run_json(run, sample("atlasti23.2-win_target-atlas-project.qdpx"))
    assert data["users"] == ["Enric Llagostera", "ATLAS.ti"]
    assert data["positions"] == "utf16"
    run("import", "qdpx", sample("atlasti23.2-win_target-atlas-project.qdpx"))
    db = tmp_path / "qualcode.db"
    rows = query(db, "SELECT c.name, p.name FROM codes c LEFT JOIN codes p ON p.id = c.parent_id ORDER BY c.position")
    assert rows == [("Commits", None), ("2022-05-10T02:05:59Z 19e4dce", "Commits"),
                    ("2022-02-11T10:39:25Z cdbfd92", "Commits")]
    assert one(db, "SELECT count(*) FROM sources") == 0


def test_maxqda_codes_keep_colours_and_descriptions_and_missing_texts_are_explained(run: Run, tmp_path: Path) -> None:
    data = dry_run_json(run, sample("maxqda24_project.qde"))
    assert data["codes_added"] == 307
    texts = [s for s in data["skipped"] if s["kind"] == "source"]
    assert len(texts) == 10 and all("is not in the archive" in s["reason"] for s in texts)
    # Its two sets of sources do not vanish silently: the summary says why they are empty.
    assert [(s["kind"], s["name"], s["reason"]) for s in data["skipped"] if s["kind"] != "source"] == [
        ("set", "ICLS 2024", "none of its sources was imported"), ("set", "ICLS 2025", "none of its sources was imported")]
    run("import", "qdpx", sample("maxqda24_project.qde"))
    db = tmp_path / "qualcode.db"
    assert one(db, "SELECT count(*) FROM codes WHERE colour LIKE '#______'") == 307
    assert one(db, "SELECT count(*) FROM codes WHERE description != ''") == 307
    assert one(db, "SELECT colour FROM codes WHERE name = 'Additional Themes and Ideas'") == "#ef8256"


def test_taguette_codebook_imports_although_it_is_not_schema_valid(run: Run, tmp_path: Path) -> None:
    from lxml import etree

    path = sample("taguette1.4.1_codebook.qdc")
    schema = etree.XMLSchema(etree.parse(str(shared_or_skip("refi-qda", "Codebook.xsd"))))
    assert not schema.validate(etree.parse(str(path)))  # the empty <Sets/>
    run("import", "qdc", path)
    db = tmp_path / "qualcode.db"
    assert [r[0] for r in query(db, "SELECT name FROM codes ORDER BY position")] == [
        "xsd:element name", "CodeBook", "Variables"]
    assert one(db, "SELECT count(*) FROM codebook_versions") == 1
    run("codebook", "show")  # the stored codebook version loads


def test_importing_the_same_project_twice_adds_nothing_the_second_time(run: Run, tmp_path: Path) -> None:
    path = sample("nvivo12.6-win_oltas0517.qdpx")
    run("import", "qdpx", path)
    before = db_snapshot(tmp_path / "qualcode.db")
    data = json.loads(run("import", "qdpx", path, "--format", "json").stdout)
    assert data["codes_added"] == 0 and data["codes_matched"] == 152
    assert data["sources_matched"] == ["videos_selection", "videos_10_selected"]
    assert data["codings_added"] == 0 and data["codings_already_present"] == 303
    after = db_snapshot(tmp_path / "qualcode.db")
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}


def test_dry_run_on_an_existing_project_changes_nothing(run: Run, project: Path) -> None:
    before = db_snapshot(project)
    data = dry_run_json(run, sample("nvivo12.6-win_oltas0517.qdpx"))
    assert data["dry_run"] is True and data["codings_added"] == 303
    assert db_snapshot(project) == before


def test_quotes_report_works_on_imported_codings_without_a_segment(run: Run, tmp_path: Path,
                                                                  nvivo12_project: Path) -> None:
    db = copy_of(nvivo12_project, tmp_path)
    assert one(db, "SELECT count(*) FROM codings WHERE segment_id IS NULL") > 0
    out = json.loads(run("report", "quotes", "--format", "json").stdout)
    quotes = out["quotes"] if isinstance(out, dict) else out
    unsegmented = [q for q in quotes if q["segment_id"] is None]
    assert unsegmented and all(q["text"].strip() for q in unsegmented)
    run("report", "themes", "--format", "json")
