"""``export qdpx --for TOOL``: what each REFI-QDA client reads, and what comes back from it
(issue 17): a selection per coder, memos where QualCoder keeps them, cases linked to their
turns, typed variables, UTC dates, and NVivo's own text and positions on re-export."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, shared_or_skip
from tests.conftest import query as rows
from tests.test_qdpx_export import _state, assert_valid_project, coded  # noqa: F401 (fixture)

NS = {"q": "urn:QDA-XML:project:1.0"}


def doc_of(path: Path) -> Any:
    from lxml import etree

    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read("project.qde"))


def texts_of(path: Path) -> dict[str, bytes]:
    """Each source's text file by source name."""
    doc = doc_of(path)
    with zipfile.ZipFile(path) as zf:
        members = {n.split("/")[-1]: zf.read(n) for n in zf.namelist()}
    return {s.get("name"): members[s.get("plainTextPath").split("//")[1]] for s in doc.iterfind(".//q:TextSource", NS)}


@pytest.mark.parametrize("tool", [None, "nvivo", "atlas", "maxqda", "qualcoder"])
def test_each_target_is_schema_valid_deterministic_and_states_its_positions(run: Run, coded: Path, tmp_path: Path,
                                                                            tool: str | None) -> None:
    option = ["--for", tool] if tool else []
    result = run("export", "qdpx", "a/p.qdpx", *option)
    run("export", "qdpx", "b/p.qdpx", *option)
    assert (tmp_path / "a/p.qdpx").read_bytes() == (tmp_path / "b/p.qdpx").read_bytes()
    doc = assert_valid_project(tmp_path / "a/p.qdpx")
    positions = "codepoints" if tool == "qualcoder" else "utf16"
    assert f"positions={positions}" in doc.get("origin")
    assert ("crlf=1" in doc.get("origin")) == (tool in ("atlas", "maxqda"))
    assert f"positions in {positions}" in result.stderr
    assert ("--for qualcoder" in result.stderr) == (tool is None)  # the default says how to reach QualCoder
    texts = texts_of(tmp_path / "a/p.qdpx")
    assert all((b"\r\n" in t) == (tool == "maxqda") for t in texts.values())  # MAXQDA wants CRLF
    # Every selection still covers the words it covered, however the target counts.
    back = run("--db", "back.db", "import", "qdpx", "a/p.qdpx", "--format", "json")
    assert json.loads(back.stdout)["skipped"] == []
    assert _state(tmp_path / "back.db")["codings"] == _state(coded)["codings"]


def test_for_and_positions_choices_are_checked(run: Run, coded: Path) -> None:
    assert "Invalid value for '--for'" in run("export", "qdpx", "x.qdpx", "--for", "word", code=2).stderr
    run("export", "qdpx", "x.qdpx", "--for", "nvivo", "--positions", "codepoints")
    assert "positions=codepoints" in doc_of(Path("x.qdpx")).get("origin")


def _add_second_coder(db: Path) -> tuple[int, int]:
    """bob codes exactly what alice's first accepted coding covers, with another code too."""
    conn = sqlite3.connect(db)
    with conn:
        first = conn.execute("SELECT * FROM codings WHERE status = 'accepted' ORDER BY id LIMIT 1").fetchone()
        cols = [d[0] for d in conn.execute("SELECT * FROM codings LIMIT 0").description]
        row = dict(zip(cols, first))
        other = conn.execute("SELECT id FROM codes WHERE id != ? ORDER BY position LIMIT 1", [row["code_id"]]).fetchone()[0]
        for code in (row["code_id"], other):
            conn.execute("INSERT INTO codings (source_id, segment_id, code_id, start, end, coder, status, origin, "
                         "method, evidence, created_at, decided_at) VALUES (?, ?, ?, ?, ?, 'bob', 'accepted', 'manual', "
                         "'manual', '[]', '2026-02-01T09:30:00+01:00', '2026-02-01T09:30:00+01:00')",
                         [row["source_id"], row["segment_id"], code, row["start"], row["end"]])
    conn.close()
    return int(row["start"]), int(row["end"])


def test_two_coders_on_one_span_get_a_selection_each_and_come_back_with_their_dates(run: Run, coded: Path,
                                                                                     tmp_path: Path) -> None:
    _add_second_coder(coded)
    run("export", "qdpx", "out.qdpx", "--positions", "codepoints")
    doc = assert_valid_project(tmp_path / "out.qdpx")
    users = {u.get("guid"): u.get("name") for u in doc.iterfind(".//q:User", NS)}
    start, end = rows(coded, "SELECT start, end FROM codings WHERE coder = 'bob' LIMIT 1")[0]
    same_span = [s for s in doc.iterfind(".//q:PlainTextSelection", NS)
                 if (int(s.get("startPosition")), int(s.get("endPosition"))) == (start, end) and s.find("q:Coding", NS) is not None]
    alice = rows(coded, "SELECT coder FROM codings WHERE status = 'accepted' ORDER BY id LIMIT 1")[0][0]
    assert sorted(users[s.get("creatingUser")] for s in same_span) == sorted(["bob", alice])
    for s in same_span:  # every coding sits in its own coder's selection, with a date
        assert {c.get("creatingUser") for c in s.iterfind("q:Coding", NS)} == {s.get("creatingUser")}
        assert s.get("creationDateTime").endswith("Z")
    bob = [s for s in same_span if users[s.get("creatingUser")] == "bob"][0]
    assert len(bob.findall("q:Coding", NS)) == 2 and bob.get("creationDateTime") == "2026-02-01T08:30:00Z"
    run("--db", "copy.db", "import", "qdpx", "out.qdpx")
    assert _state(tmp_path / "copy.db")["codings"] == _state(coded)["codings"]
    assert rows(tmp_path / "copy.db", "SELECT DISTINCT created_at FROM codings WHERE coder = 'bob'") == [
        ("2026-02-01T08:30:00+00:00",)]


def test_dates_are_utc_with_z(run: Run, coded: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(coded)
    with conn:
        conn.execute("UPDATE memos SET created_at = '2026-03-01T10:00:00+02:00' WHERE target_type = 'project'")
    conn.close()
    run("export", "qdpx", "out.qdpx")
    dates = [el.get("creationDateTime") for el in doc_of(tmp_path / "out.qdpx").iter() if el.get("creationDateTime")]
    assert dates and all(d.endswith("Z") and "+" not in d for d in dates)
    assert "2026-03-01T08:00:00Z" in dates


def test_memos_for_qualcoder_sit_where_it_reads_them_and_come_back_once(run: Run, coded: Path, tmp_path: Path) -> None:
    result = run("export", "qdpx", "qc.qdpx", "--for", "qualcoder")
    assert "--for qualcoder" not in result.stderr
    doc = assert_valid_project(tmp_path / "qc.qdpx")
    described = [d.text for d in doc.iterfind(".//q:Description", NS)]
    assert "Coding memo" in described and "Source memo" in described  # selection, source
    code_descriptions = [c.findtext("q:Description", namespaces=NS) or "" for c in doc.iterfind(".//q:Code", NS)]
    assert any(d.endswith("\n\n---\n\nCode memo\nwith two lines") for d in code_descriptions)
    journal = doc.find("q:Notes/q:Note[@plainTextPath]", NS)  # the project memo as a note file: a journal
    with zipfile.ZipFile(tmp_path / "qc.qdpx") as zf:
        assert zf.read("sources/" + journal.get("plainTextPath").split("//")[1]) == b"Project memo: first impressions"
    run("--db", "copy.db", "import", "qdpx", "qc.qdpx")
    before, after = _state(coded), _state(tmp_path / "copy.db")
    assert after["memos"] == before["memos"] and len(after["memos"]) == 4  # each memo once, not once per place
    assert after["codes"] == before["codes"]  # descriptions without the memos appended to them
    again = json.loads(run("--db", "copy.db", "import", "qdpx", "qc.qdpx", "--format", "json").stdout)
    assert again["memos_added"] == 0


def test_cases_for_qualcoder_are_linked_to_their_turns(run: Run, coded: Path, tmp_path: Path) -> None:
    run("export", "qdpx", "qc.qdpx", "--for", "qualcoder")
    doc = doc_of(tmp_path / "qc.qdpx")
    case = doc.find("q:Cases/q:Case[@name='EM-P01']", NS)
    assert case.findtext("q:Description", namespaces=NS) == "Speaks as:\n“R1” in em_peer_support_fg1.txt"
    code = doc.find(f".//q:Code[@guid='{case.get('guid')}']", NS)  # QualCoder's link: a code with the case's GUID
    assert code is not None and code.get("name") == "Case: EM-P01"
    turns = rows(coded, "SELECT count(*) FROM segments seg JOIN speakers sp ON sp.id = seg.speaker_id "
                        "WHERE sp.participant_id = 'EM-P01'")[0][0]
    coded_turns = [c for c in doc.iterfind(".//q:Coding", NS) if c.find("q:CodeRef", NS).get("targetGUID") == case.get("guid")]
    assert len(coded_turns) == turns > 0
    assert doc.find(".//q:PlainTextSelection[q:Coding]", NS) is not None
    assert all(s.find("q:Coding", NS) is not None for s in doc.iterfind(".//q:PlainTextSelection", NS))  # no empty annotations
    run("--db", "copy.db", "import", "qdpx", "qc.qdpx")
    after = _state(tmp_path / "copy.db")
    assert after["speakers"] == _state(coded)["speakers"]
    assert "Case: EM-P01" not in {c[1] for c in after["codes"]}  # a link, not a code


def test_cases_stripped_of_every_reference_still_link_their_speakers(run: Run, coded: Path, tmp_path: Path) -> None:
    """QualCoder re-exports a case with its description but without SelectionRefs or SourceRefs."""
    run("export", "qdpx", "out.qdpx")
    with zipfile.ZipFile(tmp_path / "out.qdpx") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    xml = members["project.qde"].decode("utf-8")
    import re

    members["project.qde"] = re.sub(r"\s*<(SelectionRef|SourceRef) [^>]*/>", "", xml).encode("utf-8")
    with zipfile.ZipFile(tmp_path / "stripped.qdpx", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    run("--db", "copy.db", "import", "qdpx", "stripped.qdpx")
    assert _state(tmp_path / "copy.db")["speakers"] == _state(coded)["speakers"]


def test_numbers_booleans_and_dates_from_a_participants_file_are_typed(run: Run, coded: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(coded)
    with conn:
        conn.execute("UPDATE participants SET attributes = json_patch(attributes, "
                     "'{\"age\": \"34\", \"remote\": \"true\", \"joined\": \"2024-03-01\", \"badge\": \"007\", "
                     "\"hours\": \"2.5\"}')")
    conn.close()
    run("export", "qdpx", "out.qdpx")
    doc = assert_valid_project(tmp_path / "out.qdpx")
    types = {v.get("name"): v.get("typeOfVariable") for v in doc.iterfind(".//q:Variable", NS)}
    assert {k: types[k] for k in ("age", "remote", "joined", "badge", "hours", "position")} == {
        "age": "Integer", "remote": "Boolean", "joined": "Date", "badge": "Text", "hours": "Float", "position": "Text"}
    run("--db", "copy.db", "import", "qdpx", "out.qdpx")
    attrs = json.loads(rows(tmp_path / "copy.db", "SELECT attributes FROM participants WHERE id = 'EM-P01'")[0][0])
    assert {k: attrs[k] for k in ("age", "remote", "joined", "badge", "hours")} == {
        "age": 34, "remote": True, "joined": "2024-03-01", "badge": "007", "hours": 2.5}


def test_nvivo_project_re_exported_for_nvivo_carries_nvivos_text_and_positions(run: Run, tmp_path: Path) -> None:
    original = shared_or_skip("refi-qda", "samples", "nvivo12.6-win_oltas0517.qdpx")
    run("import", "qdpx", original)
    run("export", "qdpx", "back.qdpx", "--for", "nvivo")
    assert_valid_project(tmp_path / "back.qdpx")
    theirs, ours = texts_of(original), texts_of(tmp_path / "back.qdpx")
    assert ours == theirs  # byte for byte: BOM, CRLF and all

    def positions(path: Path) -> dict[str, tuple[str, str]]:
        return {c.get("guid").strip("{}").lower(): (s.get("startPosition"), s.get("endPosition"))
                for s in doc_of(path).iterfind(".//q:PlainTextSelection", NS) for c in s.iterfind("q:Coding", NS)}

    assert len(positions(original)) == 303 and positions(tmp_path / "back.qdpx") == positions(original)


def test_a_qualcoder_export_comes_in_with_coders_dates_memos_and_case_links(run: Run, tmp_path: Path) -> None:
    """What QualCoder's RefiExport writes: coder and date on the selection only, memos in
    Descriptions and journal files, every number a Float, a BOM before the text."""
    u, code, case, src, var = ("aaaaaaaa-0000-0000-0000-00000000000%d" % i for i in range(5))
    text = "Interviewer: How was it? \U0001F600\nAnna: Good, really good.\nInterviewer: And then?\nAnna: Fine.\n"
    start = text.index("Good")
    project = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="qc.qda" origin="3.7" creatingUserGUID="{u}" creationDateTime="2026-01-01T00:00:00Z">
<Users><User guid="{u}" name="maria" /></Users>
<CodeBook><Codes><Code guid="{code}" name="Positive" isCodable="true" color="#F1948A">
<Description>Good things.\n\n---\n\nMaria's code memo</Description></Code></Codes></CodeBook>
<Variables><Variable guid="{var}" name="age" typeOfVariable="Float"><Description /></Variable></Variables>
<Cases><Case guid="{case}" name="P1"><Description>Speaks as:\n“Anna” in talk.txt</Description>
<VariableValue><VariableRef targetGUID="{var}" /><FloatValue>34</FloatValue></VariableValue></Case></Cases>
<Sources><TextSource plainTextPath="internal://{src}.txt" creatingUser="{u}" creationDateTime="2026-01-02T10:00:00Z" guid="{src}" name="talk.txt">
<Description>A source memo</Description>
<PlainTextSelection guid="bbbbbbbb-0000-0000-0000-000000000001" startPosition="{start}" endPosition="{start + 4}" name="Good" creatingUser="{u}" creationDateTime="2026-01-03T11:12:13Z">
<Description>Why this is positive</Description>
<Coding guid="bbbbbbbb-0000-0000-0000-000000000002" creatingUser="{u}" >
<CodeRef targetGUID="{code}" /></Coding></PlainTextSelection></TextSource></Sources>
<Notes><Note guid="cccccccc-0000-0000-0000-000000000001" creatingUser="{u}" creationDateTime="2026-01-04T00:00:00Z" name="Journal" plainTextPath="internal://cccccccc-0000-0000-0000-000000000001.txt" ><Description /></Note></Notes>
<Description></Description>
</Project>"""
    with zipfile.ZipFile(tmp_path / "qc.qdpx", "w") as zf:
        zf.writestr("project.qde", project)
        zf.writestr(f"sources/{src}.txt", "\ufeff" + text)
        zf.writestr("sources/cccccccc-0000-0000-0000-000000000001.txt", "\ufeffA journal entry")
    summary = json.loads(run("import", "qdpx", "qc.qdpx", "--format", "json").stdout)
    db = tmp_path / "qualcode.db"
    assert summary["positions"] == "codepoints" and summary["skipped"] == []
    assert rows(db, "SELECT substr(s.text, c.start + 1, c.end - c.start), c.coder, c.created_at FROM codings c "
                    "JOIN sources s ON s.id = c.source_id") == [("Good", "maria", "2026-01-03T11:12:13+00:00")]
    assert rows(db, "SELECT description FROM codes") == [("Good things.",)]
    assert sorted(rows(db, "SELECT target_type, text FROM memos")) == [
        ("code", "Maria's code memo"), ("coding", "Why this is positive"), ("project", "A journal entry"),
        ("source", "A source memo")]
    assert rows(db, "SELECT label, participant_id FROM speakers ORDER BY label") == [("Anna", "P1"), ("Interviewer", None)]
    assert json.loads(rows(db, "SELECT attributes FROM participants")[0][0]) == {"age": 34}


def test_an_atlas_file_counts_a_crlf_line_break_once(run: Run, tmp_path: Path) -> None:
    """ATLAS.ti writes its texts with CRLF but counts each line break as one position (as
    QualCoder's importer corrects for); NVivo would count two."""
    src, code, u = "dddddddd-0000-0000-0000-000000000001", "dddddddd-0000-0000-0000-000000000002", \
        "dddddddd-0000-0000-0000-000000000003"
    text = "Ann: first line\r\nBob: second \U0001F600 line\r\nAnn: third line here\r\nBob: ok\r\n"
    lf = text.replace("\r\n", "\n")
    start = len(lf[:lf.index("third")].encode("utf-16-le")) // 2
    project = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="a" origin="ATLAS.ti 23.2.1">
<Users><User guid="{u}" name="Enric"/></Users>
<CodeBook><Codes><Code guid="{code}" name="Third" isCodable="true"/></Codes></CodeBook>
<Sources><TextSource guid="{src}" name="t.txt" plainTextPath="internal://{src}.txt">
<PlainTextSelection guid="dddddddd-0000-0000-0000-000000000004" startPosition="{start}" endPosition="{start + 15}" creatingUser="{u}">
<Coding guid="dddddddd-0000-0000-0000-000000000005" creatingUser="{u}"><CodeRef targetGUID="{code}"/></Coding>
</PlainTextSelection></TextSource></Sources></Project>"""
    with zipfile.ZipFile(tmp_path / "a.qdpx", "w") as zf:
        zf.writestr("project.qde", project)
        zf.writestr(f"sources/{src}.txt", text.encode("utf-8"))
    run("import", "qdpx", "a.qdpx")
    assert rows(tmp_path / "qualcode.db", "SELECT substr(s.text, c.start + 1, c.end - c.start) FROM codings c "
                                          "JOIN sources s ON s.id = c.source_id") == [("third line here",)]
