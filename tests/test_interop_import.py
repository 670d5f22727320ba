"""Importing what other tools write: every REFI-QDA element qualcode maps, and every kind
of thing it skips, with the reason in the summary."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from tests.conftest import Run
from tests.conftest import query as q

U1, U2 = "11111111-1111-1111-1111-111111111111", "11111111-1111-1111-1111-111111111112"
C_PARENT, C_CHILD, C_OTHER = ("22222222-2222-2222-2222-22222222222%d" % i for i in range(3))
S_TEXT, S_INLINE, S_PDF, S_EXT = ("33333333-3333-3333-3333-33333333333%d" % i for i in range(4))
V_AGE, V_ROLE, V_WAVE = ("44444444-4444-4444-4444-44444444444%d" % i for i in range(3))
N1, N2, N3, N4 = ("55555555-5555-5555-5555-55555555555%d" % i for i in range(4))
SEL = "66666666-6666-6666-6666-66666666666%d"
UNKNOWN_CODE = "99999999-9999-9999-9999-999999999999"

# A transcript as a Windows tool writes it: BOM, CRLF, an emoji before the coded words.
TEXT = "\ufeffAnna: I felt \U0001F600 hopeful today.\r\nBen: Me too, really.\r\nAnna: Good.\r\n"


def sel(n: int, start: int, end: int, code: str, user: str = U1, notes: str = "") -> str:
    return (f'<PlainTextSelection guid="{SEL % n}" startPosition="{start}" endPosition="{end}" creatingUser="{user}">'
            f'<Coding guid="77777777-7777-7777-7777-77777777777{n}" creatingUser="{user}" '
            f'creationDateTime="2024-05-0{n}T10:00:00Z"><CodeRef targetGUID="{code}"/>{notes}</Coding>'
            f'</PlainTextSelection>')


PROJECT = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="study" origin="NVivo 14">
 <Users><User guid="{U1}" name="Maria"/><User guid="{U2}" id="JB"/></Users>
 <CodeBook><Codes>
  <Code guid="{C_PARENT}" name="Feelings" isCodable="false" color="#F00"><Description>All feelings</Description>
   <NoteRef targetGUID="{N2}"/>
   <Code guid="{C_CHILD}" name="Hope" isCodable="true" color="#00ff00"/>
  </Code>
  <Code guid="{C_OTHER}" name="Agreement" isCodable="true"/>
 </Codes></CodeBook>
 <Variables>
  <Variable guid="{V_AGE}" name="age" typeOfVariable="Integer"/>
  <Variable guid="{V_ROLE}" name="role" typeOfVariable="Text"/>
  <Variable guid="{V_WAVE}" name="wave" typeOfVariable="Boolean"/>
 </Variables>
 <Cases>
  <Case guid="88888888-8888-8888-8888-888888888881" name="Anna">
   <VariableValue><VariableRef targetGUID="{V_AGE}"/><IntegerValue>34</IntegerValue></VariableValue>
   <VariableValue><VariableRef targetGUID="{V_ROLE}"/><TextValue>nurse</TextValue></VariableValue>
   <SourceRef targetGUID="{S_TEXT}"/>
  </Case>
 </Cases>
 <Sources>
  <TextSource guid="{S_TEXT}" name="interview.txt" plainTextPath="internal://{S_TEXT}.txt">
   {sel(1, 16, 29, C_CHILD, notes=f'<NoteRef targetGUID="{N3}"/>')}
   {sel(2, 37, 51, C_OTHER, U2)}
   {sel(3, 13, 999, C_CHILD)}
   {sel(4, 0, 5, UNKNOWN_CODE)}
   <NoteRef targetGUID="{N4}"/>
   <VariableValue><VariableRef targetGUID="{V_WAVE}"/><BooleanValue>true</BooleanValue></VariableValue>
  </TextSource>
  <TextSource guid="{S_INLINE}" name="notes"><PlainTextContent>Whole text coded.</PlainTextContent>
   <Coding guid="77777777-7777-7777-7777-777777777779" creatingUser="{U2}"><CodeRef targetGUID="{C_OTHER}"/></Coding>
  </TextSource>
  <PDFSource guid="{S_PDF}" name="article.pdf" path="internal://{S_PDF}.pdf">
   <PDFSelection guid="{SEL % 8}" page="1" firstX="0" firstY="0" secondX="1" secondY="1">
    <Coding guid="77777777-7777-7777-7777-777777777778"><CodeRef targetGUID="{C_CHILD}"/></Coding>
   </PDFSelection>
  </PDFSource>
  <TextSource guid="{S_EXT}" name="linked" plainTextPath="relative://linked.txt"/>
 </Sources>
 <Notes>
  <Note guid="{N1}" name="Project note" creatingUser="{U1}" creationDateTime="2024-05-01T09:00:00Z"><PlainTextContent>About the study</PlainTextContent></Note>
  <Note guid="{N2}" name="Code note"><PlainTextContent>Use for any feeling</PlainTextContent></Note>
  <Note guid="{N3}" name="Coding note" creatingUser="{U2}"><PlainTextContent>Strong hope</PlainTextContent></Note>
  <Note guid="{N4}" name="Source note"><PlainTextContent>Recorded at home</PlainTextContent></Note>
 </Notes>
 <Sets>
  <Set guid="aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa1" name="Wave 1"><MemberSource targetGUID="{S_TEXT}"/></Set>
  <Set guid="aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa2" name="Code group"><MemberCode targetGUID="{C_CHILD}"/></Set>
 </Sets>
 <NoteRef targetGUID="{N1}"/>
</Project>
"""


def qdpx(tmp_path: Path) -> Path:
    path = tmp_path / "study.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", PROJECT)
        zf.writestr(f"Sources/{S_TEXT}.txt", TEXT.encode("utf-8"))  # NVivo's upper-case folder
    return path


def test_a_foreign_project_maps_onto_qualcode(run: Run, tmp_path: Path) -> None:
    summary = json.loads(run("import", "qdpx", qdpx(tmp_path), "--format", "json").stdout)
    db = tmp_path / "qualcode.db"
    assert summary["positions"] == "utf16" and summary["users"] == ["Maria", "JB"]
    assert sorted(summary["sources_added"]) == ["interview.txt", "notes"]
    assert summary["codes_added"] == 3 and summary["codings_added"] == 3
    assert q(db, "SELECT c.id, c.name, c.parent_id, c.description, c.colour FROM codes c ORDER BY position") == [
        ("feelings", "Feelings", None, "All feelings", "#ff0000"), ("hope", "Hope", "feelings", "", "#00ff00"),
        ("agreement", "Agreement", None, "", None)]
    rows = q(db, "SELECT s.name, c.code_id, substr(s.text, c.start + 1, c.end - c.start), c.coder, c.origin, "
                 "c.status, c.created_at FROM codings c JOIN sources s ON s.id = c.source_id ORDER BY c.id")
    assert rows == [
        ("interview.txt", "hope", "hopeful today", "Maria", "import", "accepted", "2024-05-01T10:00:00+00:00"),
        ("interview.txt", "agreement", "Me too, really", "JB", "import", "accepted", "2024-05-02T10:00:00+00:00"),
        ("notes", "agreement", "Whole text coded.", "JB", "import", "accepted", rows[2][6]),
    ]
    text = q(db, "SELECT text FROM sources WHERE name = 'interview.txt'")[0][0]
    assert text == "Anna: I felt \U0001F600 hopeful today.\nBen: Me too, really.\nAnna: Good.\n"
    assert q(db, "SELECT source_group, attributes FROM sources WHERE name = 'interview.txt'") == [
        ("Wave 1", '{"wave": true}')]
    assert q(db, "SELECT id, attributes FROM participants") == [("Anna", '{"age": 34, "role": "nurse"}')]
    assert q(db, "SELECT label, participant_id FROM speakers ORDER BY label") == [("Anna", "Anna"), ("Ben", None)]
    memos = q(db, "SELECT target_type, target_id, author, text FROM memos ORDER BY text")
    source_id = str(q(db, "SELECT id FROM sources WHERE name = 'interview.txt'")[0][0])
    coding_id = str(q(db, "SELECT min(id) FROM codings")[0][0])
    assert memos == [("project", None, "Maria", "About the study"), ("source", source_id, None, "Recorded at home"),
                     ("coding", coding_id, "JB", "Strong hope"), ("code", "feelings", None, "Use for any feeling")]
    # Coded inside one turn: that segment; the reports cite it.
    assert q(db, "SELECT count(*) FROM codings WHERE segment_id IS NOT NULL AND source_id = " + source_id) == [(2,)]


def test_what_is_skipped_is_explained(run: Run, tmp_path: Path) -> None:
    summary = json.loads(run("import", "qdpx", qdpx(tmp_path), "--dry-run", "--format", "json").stdout)
    skipped = {(s["kind"], s["name"], s["reason"], s["count"]) for s in summary["skipped"]}
    assert skipped == {
        ("coding", "interview.txt", "its position is missing or outside the text", 1),
        ("coding", "interview.txt", "it refers to a code that is not in the codebook", 1),
        ("source", "article.pdf", "a pdf source: qualcode imports text sources only", 1),
        ("coding", "article.pdf", "in a skipped source (a pdf source: qualcode imports text sources only)", 1),
        ("source", "linked", "its text is outside the archive (relative path); export with sources embedded", 1),
        ("set", "Code group", "sets of codes are not imported (qualcode has no code sets)", 1),
    }
    assert "1 code(s) marked not codable (folders in the other tool) were imported as ordinary codes" in summary["notes"]
    assert not (tmp_path / "qualcode.db").exists()
    table = run("import", "qdpx", qdpx(tmp_path), "--dry-run").stdout
    assert "Would import" in table
    assert "skipped 1 source(s) (article.pdf): a pdf source: qualcode imports text sources only" in table


def test_forcing_code_point_positions_shifts_the_selection(run: Run, tmp_path: Path) -> None:
    run("import", "qdpx", qdpx(tmp_path), "--positions", "codepoints")
    words = q(tmp_path / "qualcode.db", "SELECT substr(s.text, c.start + 1, c.end - c.start) FROM codings c "
                                        "JOIN sources s ON s.id = c.source_id ORDER BY c.id LIMIT 1")[0][0]
    assert words == "opeful today."  # one too far: the emoji counted once


def test_segments_by_line_when_asked(run: Run, tmp_path: Path) -> None:
    run("import", "qdpx", qdpx(tmp_path), "--segments", "lines")
    db = tmp_path / "qualcode.db"
    assert q(db, "SELECT count(*), count(speaker_id) FROM segments s JOIN sources src ON src.id = s.source_id "
                 "WHERE src.name = 'interview.txt'") == [(3, 0)]
    assert "choose one of: auto, turns, lines" in run("import", "qdpx", qdpx(tmp_path), "--segments", "x",
                                                      code=2).stderr


def test_a_source_name_already_taken_by_other_text_gets_a_new_name(run: Run, project: Path, tmp_path: Path,
                                                                     write_file: Any) -> None:
    other = write_file("interview.txt", "Zoe: something else entirely.\nYan: yes.\n")
    run("ingest", other)
    summary = json.loads(run("import", "qdpx", qdpx(tmp_path), "--format", "json").stdout)
    assert "interview.txt (2)" in summary["sources_added"]
    assert any("imported as 'interview.txt (2)'" in n for n in summary["notes"])


def test_import_qdc_dry_run_and_errors(run: Run, project: Path, tmp_path: Path) -> None:
    path = tmp_path / "book.qdc"
    path.write_text('<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="X">'
                    f'<Codes><Code guid="{C_CHILD}" name="Hope" isCodable="true"/></Codes></CodeBook>')
    data = json.loads(run("import", "qdc", path, "--dry-run", "--format", "json").stdout)
    assert data["codes_added"] == 1 and data["dry_run"] is True
    assert q(project, "SELECT count(*) FROM codes") == [(0,)]
    run("import", "qdc", path)
    assert q(project, "SELECT id, name FROM codes") == [("hope", "Hope")]
    again = json.loads(run("import", "qdc", path, "--format", "json").stdout)
    assert again["codes_added"] == 0 and again["codes_matched"] == 1
    empty = tmp_path / "empty.qdc"
    empty.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>')
    assert run("import", "qdc", empty, code=1).stderr == f"Error: {empty}: the codebook has no codes; nothing to import\n"


def test_invalid_but_common_constructs_are_tolerated(run: Run, tmp_path: Path) -> None:
    """An empty <Sets/> (Taguette), braces and upper case in GUIDs, no namespace, UTF-16."""
    xml = (f'<?xml version="1.0" encoding="utf-16"?><Project name="x" origin="Some Tool">'
           f'<Users><User guid="{{{U1.upper()}}}" name="Lee"/></Users>'
           f'<CodeBook><Codes><Code guid="{C_CHILD.upper()}" name="Hope" isCodable="true"><Description/></Code>'
           f'</Codes></CodeBook><Sources><TextSource guid="{S_INLINE}" name="t">'
           f'<PlainTextContent>Some hope here.</PlainTextContent>'
           f'<PlainTextSelection guid="{SEL % 1}" startPosition="5" endPosition="9" creatingUser="{U1}">'
           f'<Coding guid="{SEL % 2}" creatingUser="{{{U1}}}"><CodeRef targetGUID="{{{C_CHILD}}}"/></Coding>'
           f'</PlainTextSelection></TextSource></Sources><Sets/><Description/></Project>')
    path = tmp_path / "odd.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("PROJECT.QDE", xml.encode("utf-16"))
    summary = json.loads(run("import", "qdpx", path, "--format", "json").stdout)
    assert summary["codings_added"] == 1 and summary["skipped"] == [] and summary["positions"] == "codepoints"
    assert q(tmp_path / "qualcode.db", "SELECT substr(s.text, c.start + 1, c.end - c.start), c.coder FROM codings c "
                                       "JOIN sources s ON s.id = c.source_id") == [("hope", "Lee")]


def test_a_utf16_document_declaring_a_dtd_is_refused(run: Run, project: Path, tmp_path: Path) -> None:
    xml = '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE Project [<!ENTITY a "b">]><Project name="&a;"/>'
    path = tmp_path / "dtd.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", xml.encode("utf-16"))
    assert "declares a DTD" in run("import", "qdpx", path, code=1).stderr
