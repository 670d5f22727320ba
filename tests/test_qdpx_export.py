"""Exports are valid against the REFI-QDA schemas, deterministic, and round-trip."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from qualcode.output_files import restored
from tests.conftest import Run, db_snapshot, shared_or_skip
from tests.conftest import query as rows

MEMOS = [
    ("project", None, "ann", "Project memo: first impressions", "2026-01-01T00:00:00+00:00"),
    ("code", "peer-support", "bob", "Code memo\nwith two lines", "2026-01-02T00:00:00+00:00"),
    ("source", "1", "ann", "Source memo", "2026-01-04T00:00:00+00:00"),
]


def schema(name: str) -> Any:
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(shared_or_skip("refi-qda", name))))


def assert_valid_project(path: Path) -> Any:
    from lxml import etree

    with zipfile.ZipFile(path) as zf:
        doc = etree.fromstring(zf.read("project.qde"))
    xsd = schema("Project-mrt2019.xsd")
    assert xsd.validate(doc), xsd.error_log
    return doc


@pytest.fixture
def coded(run: Run, em_project: Path) -> Path:
    """The EM project with accepted codings (and a few left pending), memos and a group."""
    run("suggest")
    run("accept", "--max-score", "0.4")  # scores are chances of acceptance: some stay above
    conn = sqlite3.connect(em_project)
    with conn:
        first = conn.execute("SELECT min(id) FROM codings WHERE status = 'accepted'").fetchone()[0]
        code = conn.execute("SELECT id FROM codes ORDER BY position LIMIT 1").fetchone()[0]
        memos = [(t, code if t == "code" else tid, a, x, c) for t, tid, a, x, c in MEMOS]
        memos.append(("coding", str(first), "ann", "Coding memo", "2026-01-03T00:00:00+00:00"))
        conn.executemany("INSERT INTO memos (target_type, target_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)",
                         memos)
        conn.execute("UPDATE sources SET source_group = 'site-a', attributes = '{\"wave\": 2, \"mode\": \"online\"}' "
                     "WHERE name = 'em_peer_support_fg1.txt'")
        # An emoji before coded text: code points and UTF-16 positions differ after it.
        conn.execute("UPDATE sources SET text = '\U0001F600' || substr(text, 2) WHERE name = 'em_peer_support_fg2.txt'")
    conn.close()
    return em_project


def test_export_qdpx_is_schema_valid_and_holds_everything(run: Run, coded: Path, tmp_path: Path) -> None:
    result = run("export", "qdpx", "out.qdpx")
    doc = assert_valid_project(tmp_path / "out.qdpx")
    ns = {"q": "urn:QDA-XML:project:1.0"}
    accepted = rows(coded, "SELECT count(*) FROM codings WHERE status = 'accepted'")[0][0]
    pending = rows(coded, "SELECT count(*) FROM codings WHERE status != 'accepted'")[0][0]
    assert pending > 0
    assert len(doc.findall(".//q:Coding", ns)) == accepted
    assert len(doc.findall(".//q:TextSource", ns)) == 2
    assert len(doc.findall(".//q:Code", ns)) == rows(coded, "SELECT count(*) FROM codes")[0][0]
    assert len(doc.findall("q:Notes/q:Note", ns)) == 4
    assert len(doc.findall("q:Cases/q:Case", ns)) == 12
    assert {v.get("name") for v in doc.findall("q:Variables/q:Variable", ns)} >= {"position", "program", "wave", "mode"}
    assert [s.get("name") for s in doc.findall("q:Sets/q:Set", ns)] == ["site-a"]
    assert f"Not exported: {pending} suggested or rejected coding(s)" in result.stderr
    with zipfile.ZipFile(tmp_path / "out.qdpx") as zf:
        names = zf.namelist()
        assert names[0] == "project.qde" and "qualcode/codebook.yaml" in names
        assert sum(n.startswith("sources/") and n.endswith(".txt") for n in names) == 2
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_export_is_byte_identical_when_repeated(run: Run, coded: Path, tmp_path: Path) -> None:
    run("export", "qdpx", "a/p.qdpx")
    run("export", "qdpx", "b/p.qdpx")
    assert (tmp_path / "a/p.qdpx").read_bytes() == (tmp_path / "b/p.qdpx").read_bytes()
    run("export", "qdc", "a/p.qdc")
    run("export", "qdc", "b/p.qdc")
    assert (tmp_path / "a/p.qdc").read_bytes() == (tmp_path / "b/p.qdc").read_bytes()


def test_export_qdc_is_schema_valid_and_imports_into_an_empty_project(run: Run, coded: Path, tmp_path: Path) -> None:
    from lxml import etree

    run("export", "qdc", "book.qdc")
    xsd = schema("Codebook.xsd")
    assert xsd.validate(etree.parse(str(tmp_path / "book.qdc"))), xsd.error_log
    run("--db", "other.db", "import", "qdc", "book.qdc")
    names = "SELECT c.name, p.name, c.description, c.colour FROM codes c LEFT JOIN codes p ON p.id = c.parent_id " \
            "ORDER BY c.position"
    assert rows(tmp_path / "other.db", names) == rows(coded, names)


def _positions(doc: Any) -> list[tuple[int, int]]:
    ns = {"q": "urn:QDA-XML:project:1.0"}
    return [(int(s.get("startPosition")), int(s.get("endPosition")))
            for s in doc.findall(".//q:PlainTextSelection", ns) if s.find("q:Coding", ns) is not None]


def test_utf16_positions_count_emoji_twice(run: Run, coded: Path, tmp_path: Path) -> None:
    run("export", "qdpx", "cp.qdpx", "--positions", "codepoints")
    run("export", "qdpx", "u16.qdpx", "--positions", "utf16")
    cp = assert_valid_project(tmp_path / "cp.qdpx")
    u16 = assert_valid_project(tmp_path / "u16.qdpx")
    assert "positions=utf16" in u16.get("origin")
    fg2 = [p for p, q in zip(_positions(cp), _positions(u16)) if p != q]
    assert fg2 and all(q == (p[0] + 1, p[1] + 1) for p, q in zip(_positions(cp), _positions(u16)) if p != q)


def _json(items: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Attributes compared as data: their key order is not meaningful."""
    return [(*r[:-1], json.loads(r[-1])) for r in items]


def _state(db: Path) -> dict[str, Any]:
    """Everything a round trip must keep, without row ids."""
    return {
        "sources": _json(rows(db, "SELECT name, text, source_group, attributes FROM sources ORDER BY name")),
        "codes": rows(db, "SELECT c.id, c.name, p.id, c.description, c.colour, c.keywords, c.include_criteria "
                          "FROM codes c LEFT JOIN codes p ON p.id = c.parent_id ORDER BY c.id"),
        "codings": rows(db, "SELECT s.name, c.code_id, c.start, c.end, c.coder FROM codings c JOIN sources s "
                            "ON s.id = c.source_id WHERE c.status = 'accepted' ORDER BY 1, 2, 3, 4, 5"),
        "memos": rows(db, "SELECT m.target_type, CASE m.target_type WHEN 'coding' THEN "
                          "(SELECT s.name || ':' || c.code_id || ':' || c.start FROM codings c JOIN sources s "
                          "ON s.id = c.source_id WHERE c.id = m.target_id) WHEN 'source' THEN "
                          "(SELECT name FROM sources WHERE id = m.target_id) ELSE m.target_id END, "
                          "m.author, m.text, m.created_at FROM memos m ORDER BY m.text"),
        "participants": _json(rows(db, "SELECT id, attributes FROM participants ORDER BY id")),
        "speakers": rows(db, "SELECT s.name, sp.label, sp.participant_id FROM speakers sp JOIN sources s "
                             "ON s.id = sp.source_id ORDER BY 1, 2"),
    }


@pytest.mark.parametrize("positions", ["codepoints", "utf16"])
def test_round_trip_qualcode_qdpx_qualcode_keeps_everything(run: Run, coded: Path, tmp_path: Path,
                                                            positions: str) -> None:
    run("export", "qdpx", "out.qdpx", "--positions", positions)
    result = run("--db", "copy.db", "import", "qdpx", "out.qdpx", "--format", "json")
    summary = json.loads(result.stdout)
    assert summary["skipped"] == [] and summary["positions"] == positions
    before, after = _state(coded), _state(tmp_path / "copy.db")
    for key in before:
        assert after[key] == before[key], key
    assert len(after["codings"]) > 50 and len(after["memos"]) == 4
    participants = {r[0]: r[1] for r in after["participants"]}
    assert participants["EM-P04"]["training_year"] == "PGY2"


def test_import_back_into_the_same_project_matches_everything(run: Run, coded: Path) -> None:
    run("export", "qdpx", "out.qdpx")
    before = db_snapshot(coded)
    summary = json.loads(run("import", "qdpx", "out.qdpx", "--format", "json").stdout)
    assert summary["codes_added"] == 0 and summary["sources_added"] == []
    assert summary["codings_added"] == 0 and summary["codings_already_present"] > 50
    after = db_snapshot(coded)
    for table in ("sources", "codes", "codings", "segments", "speakers"):
        assert after[table] == before[table], table


def test_nvivo_sample_round_trip_is_schema_valid_and_keeps_every_coding(run: Run, tmp_path: Path) -> None:
    from lxml import etree

    original = shared_or_skip("refi-qda", "samples", "nvivo12.6-win_oltas0517.qdpx")
    run("import", "qdpx", original)
    run("export", "qdpx", "back.qdpx", "--positions", "utf16")
    doc = assert_valid_project(tmp_path / "back.qdpx")
    ns = {"q": "urn:QDA-XML:project:1.0"}
    with zipfile.ZipFile(original) as zf:
        source_doc = etree.fromstring(zf.read("project.qde"))
    ours = {(c.get("guid"), c.find("q:CodeRef", ns).get("targetGUID")) for c in doc.iterfind(".//q:Coding", ns)}
    theirs = {(c.get("guid"), c.find("q:CodeRef", ns).get("targetGUID")) for c in source_doc.iterfind(".//q:Coding", ns)}
    assert len(ours) == 303 and ours == theirs  # NVivo's own GUIDs come back
    run("--db", "again.db", "import", "qdpx", "back.qdpx")
    assert _state(tmp_path / "again.db")["codings"] == _state(tmp_path / "qualcode.db")["codings"]


def test_export_csv_lists_accepted_codings_with_their_words(run: Run, coded: Path, tmp_path: Path) -> None:
    run("export", "csv", "codings.csv")
    table = list(csv.DictReader(io.StringIO((tmp_path / "codings.csv").read_text(encoding="utf-8"))))
    assert list(table[0]) == ["source", "segment", "quote", "code", "coder", "status", "start", "end", "memo"]
    assert len(table) == rows(coded, "SELECT count(*) FROM codings WHERE status = 'accepted'")[0][0]
    texts = {r[0]: r[1] for r in rows(coded, "SELECT name, text FROM sources")}
    for row in table:
        assert row["status"] == "accepted"
        # A quote that starts like a formula ("-- no, it's …") carries a leading apostrophe
        # against spreadsheet formula injection; `restored` is what `import codings` reads.
        assert restored(row["quote"]) == texts[row["source"]][int(row["start"]):int(row["end"])]
    assert sum(row["memo"] == "Coding memo" for row in table) == 1
    everything = run("export", "csv", "-", "--status", "accepted", "--status", "suggested").stdout
    assert len(list(csv.DictReader(io.StringIO(everything)))) == rows(
        coded, "SELECT count(*) FROM codings WHERE status IN ('accepted', 'suggested')")[0][0]


def test_export_errors(run: Run, project: Path) -> None:
    assert run("export", "qdc", "x.qdc", code=1).stderr == (
        "Error: the project has no codebook yet; run `qualcode codebook load FILE` first\n")
    assert "choose one of: codepoints, utf16" in run("export", "qdpx", "x.qdpx", "--positions", "bytes", code=2).stderr
    assert run("export", "csv", "x.csv", "--status", "maybe", code=1).stderr == (
        "Error: unknown status 'maybe'; choose from accepted, suggested, rejected\n")


def test_export_of_an_empty_project_is_still_valid(run: Run, project: Path, tmp_path: Path) -> None:
    run("export", "qdpx", "empty.qdpx")
    assert_valid_project(tmp_path / "empty.qdpx")


def test_odd_stored_values_still_give_a_valid_export(run: Run, coded: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(coded)
    with conn:
        conn.execute("UPDATE memos SET created_at = 'last Tuesday', text = text || char(1) || char(65534)")
        conn.execute("UPDATE codings SET created_at = '2026-01-01 10:00:00'")
        conn.execute("UPDATE codes SET colour = 'red' WHERE position = 0")
        conn.execute("UPDATE codes SET colour = '#ABC' WHERE position = 1")
        conn.execute("UPDATE participants SET attributes = '{\"tags\": [\"a\", \"b\"], \"gone\": null, \"ratio\": 0.00001}' "
                     "WHERE id = 'EM-P01'")
    conn.close()
    run("export", "qdpx", "odd.qdpx")
    doc = assert_valid_project(tmp_path / "odd.qdpx")
    ns = {"q": "urn:QDA-XML:project:1.0"}
    assert doc.find(".//q:Coding", ns).get("creationDateTime") == "2026-01-01T10:00:00Z"  # UTC, stated
    assert {c.get("color") for c in doc.iterfind(".//q:Code", ns)} >= {"#aabbcc"}
    values = [v.text for v in doc.iterfind(".//q:Case/q:VariableValue/q:TextValue", ns)]
    assert '["a", "b"]' in values
