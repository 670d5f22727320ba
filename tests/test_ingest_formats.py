"""Formats (sniffed and by suffix), encodings and newlines, Word/RTF/PDF, and every kind of
file that is not a transcript."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from qualcode.cli.ingest_cmd import PARSER_NAMES
from qualcode.ingest import PARSERS
from tests.conftest import Run, db_snapshot

TEXT = "Interviewer: Café au lait – “good”?\r\nAnna: Oui,\u00a0très\u2009bien.\r\n\r\nInterviewer: Merci.\r\nAnna: De rien.\r\n"
EXPECTED_TURNS = [("Interviewer", "Café au lait – “good”?"), ("Anna", "Oui, très bien."),
                  ("Interviewer", "Merci."), ("Anna", "De rien.")]


def dry(run: Run, path: Path, *extra: str) -> dict[str, Any]:
    return json.loads(run("ingest", "--dry-run", "--format", "json", *extra, path).stdout)


def turns(data: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(t["speaker"], t["text"]) for t in data["turns"]]


@pytest.mark.parametrize("encoding, data", [
    ("utf-8", TEXT.encode("utf-8")),
    ("utf-8-sig", b"\xef\xbb\xbf" + TEXT.encode("utf-8")),
    ("utf-16-le", b"\xff\xfe" + TEXT.encode("utf-16-le")),
    ("utf-16-be", b"\xfe\xff" + TEXT.encode("utf-16-be")),
    ("cp1252", TEXT.replace("\u2009", " ").encode("cp1252")),
])
def test_encodings_decode_to_the_same_turns(run: Run, tmp_path: Path, encoding: str, data: bytes) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    got = dry(run, path)
    assert got["encoding"] == encoding
    assert turns(got) == EXPECTED_TURNS


def test_latin1_without_windows_quotes_is_latin1(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "l.txt"
    path.write_bytes("Ana: Ça va très bien.\nBen: Oui.\nAna: Déjà.\nBen: Non.\n".encode("latin-1"))
    got = dry(run, path)
    assert got["encoding"] == "latin-1" and got["turns"][0]["text"] == "Ça va très bien."


def test_stored_text_is_nfc_with_newlines_and_plain_spaces(run: Run, project: Path, tmp_path: Path) -> None:
    path = tmp_path / "cr.txt"
    # CR-only newlines (old Mac), a decomposed é (e + combining acute), NBSP and a zero-width space.
    path.write_bytes("Ana: Cafe\u0301\u00a0noir\u200b.\rBen: Oui.\rAna: Non.\rBen: Si.\r".encode("utf-8"))
    run("ingest", path)
    text = sqlite3.connect(project).execute("SELECT text FROM sources").fetchone()[0]
    assert text == "Ana: Café noir.\nBen: Oui.\nAna: Non.\nBen: Si.\n"


def test_content_beats_the_suffix(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    vtt = write_file("really_vtt.txt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ana>Hi.\n")
    srt = write_file("subs.dat", "1\n00:00:01,000 --> 00:00:02,000\nAna: Hi.\n")
    md = write_file("notes", "# Interview\n\n**Ana:** Hi.\n\n**Ben:** Hello.\n")
    assert dry(run, vtt)["format"] == "vtt"
    assert dry(run, srt)["format"] == "srt"
    assert dry(run, md)["format"] == "markdown"


def test_as_overrides_detection_and_format_accepts_a_parser_name(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("x.vtt", "Ana: WEBVTT is a format.\nBen: Yes.\nAna: Indeed.\n")
    assert dry(run, path, "--as", "text")["format"] == "text"
    out = run("ingest", "--dry-run", "--format", "text", path).stdout  # the older spelling
    assert out.startswith(f"{path}: text, utf-8; 2 speakers, 3 turns, 6 words")
    result = run("ingest", "--dry-run", "--format", "text", "--as", "vtt", path, code=2)
    assert "give the parser once, with --as" in result.stderr
    assert "choose one of: text, markdown" in run("ingest", "--as", "odt", path, code=2).stderr


def test_cli_parser_names_match_the_registry() -> None:
    assert PARSER_NAMES == tuple(PARSERS)


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_paragraphs_and_tables(run: Run, project: Path, tmp_path: Path) -> None:
    path = tmp_path / "w.docx"
    path.write_bytes(make_docx(["Interview 3", "", "I: Hvordan gik det?\u00a0", "", "X: Godt.",
                                "Og ellers fint."], table=[["00:10", "I", "Tak."], ["00:12", "X", "Selv tak."]]))
    data = dry(run, path)
    assert (data["format"], data["encoding"]) == ("docx", "utf-8")
    assert [(t["speaker"], t["text"], t["timestamp"]) for t in data["turns"]] == [
        ("I", "Hvordan gik det?", None), ("X", "Godt.\nOg ellers fint.", None), ("I", "Tak.", 10.0), ("X", "Selv tak.", 12.0)]
    run("ingest", path)
    text = sqlite3.connect(project).execute("SELECT text FROM sources").fetchone()[0]
    assert text.startswith("Interview 3\n\nI: Hvordan gik det?\n\nX: Godt.\n")  # the extracted text is stored


def test_rtf_with_cp1252_escapes(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "r.rtf"
    path.write_bytes(rb"{\rtf1\ansi\ansicpg1252{\fonttbl\f0\fswiss Helvetica;}\f0 CONTEXT\par"
                     rb" Notes here.\par\par I: You said \'93fine\'94?\par\par P10: Yes \'96 fine.\par"
                     rb"\par I: OK.\par\par P10: Caf\'e9.\par}")
    data = dry(run, path)
    assert (data["format"], data["encoding"]) == ("rtf", "cp1252")
    assert turns(data) == [("I", "You said “fine”?"), ("P10", "Yes – fine."), ("I", "OK."), ("P10", "Café.")]


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a text layer (Helvetica, one line per entry)."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        "/Contents 4 0 R >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_text_pdf(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "fg.pdf"
    path.write_bytes(make_pdf(["00:05 RESEARCHER:", "Welcome everyone.", "00:09 PARTICIPANT 1:", "Thanks.",
                               "00:12 ALL PARTICIPANTS:", "Hello!", "3"]))
    data = dry(run, path)
    assert data["format"] == "pdf"
    assert [(t["speaker"], t["text"], t["timestamp"]) for t in data["turns"]] == [
        ("RESEARCHER", "Welcome everyone.", 5.0), ("PARTICIPANT 1", "Thanks.", 9.0),
        ("ALL PARTICIPANTS", "Hello!", 12.0)]  # the page number 3 is not speech


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("empty.txt", b"", "is empty; nothing to ingest"),
    ("blank.txt", b"\xef\xbb\xbf  \r\n\r\n", "is empty; nothing to ingest"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "is a PNG image, not a transcript"),
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "is a JPEG image, not a transcript"),
    ("data.bin", b"\x00\x01\x02binary\x00stuff" * 10, "looks like a binary file, not a text transcript"),
    ("bundle.zip", zip_bytes({"a.txt": b"Ana: hi"}), "is a zip archive, not a transcript; unzip it"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Word 97-2003 .doc"),
    ("broken.docx", zip_bytes({"word/nothing.xml": b"<x/>"}), "is not a readable Word .docx file"),
    ("fake.pdf", b"Ana: this is not a pdf", "is named .pdf but is not a PDF file"),
    ("scan.pdf", make_pdf([]), "is a PDF without a text layer (a scan?); run OCR"),
    ("broken.pdf", b"%PDF-1.4\n garbage", "is not a readable PDF"),
    ("audio.txt", b"ID3\x03\x00\x00\x00", "is an MP3 audio file, not a transcript"),
    ("odd.txt", b"Ana: caf\x81 and \x8d\n", "is in a text encoding qualcode cannot tell"),
    ("nolabels.txt", b"just some text\nwith no speakers\n", "no speaker turns found"),
])
def test_not_a_transcript_is_one_line_naming_the_file(run: Run, project: Path, write_file, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      name: str, content: bytes, message: str) -> None:
    good = write_file("good.txt", "Ana: Hi.\nBen: Hello.\nAna: Bye.\n")
    bad = tmp_path / name
    bad.write_bytes(content)
    before = db_snapshot(project)
    result = run("ingest", good, bad, code=1)
    assert result.stderr.startswith(f"Error: {bad}: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert db_snapshot(project) == before  # the batch lands whole or not at all


def test_keep_going_lists_each_failure_and_ingests_the_rest(run: Run, project: Path, write_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = write_file("good.txt", "Ana: Hi.\nBen: Hello.\nAna: Bye.\n")
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    empty = write_file("empty.txt", "")
    result = run("ingest", "--keep-going", image, good, empty, code=1)
    assert [line for line in result.stderr.splitlines() if not line.startswith(str(good))] == [
        f"Failed: {image}: is a PNG image, not a transcript; give a text transcript",
        f"Failed: {empty}: is empty; nothing to ingest",
        "Error: 2 of 3 files failed (listed above); the others were ingested",
    ]
    assert f"{good}: added: 2 speakers, 3 turns, 3 words" in result.stderr
    assert [s["name"] for s in json.loads(run("sources", "--format", "json").stdout)] == ["good.txt"]


def test_replace_refuses_when_a_coder_decided_codings(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("a.txt", "Ana: We talk to seniors.\nBen: Yes.\nAna: Always.\n")
    run("ingest", path)
    run("codebook", "load", write_file("cb.yaml", "codes:\n  - id: seniors\n    name: Seniors\n"))
    run("--coder", "kim", "code", "1", "seniors")
    path.write_text("Ana: We talk to seniors a lot.\nBen: Yes.\nAna: Always.\n")
    before = db_snapshot(project)
    result = run("ingest", "--replace", path, code=1)
    assert "cannot replace a.txt: it has 1 coding(s) a coder accepted or rejected" in result.stderr
    assert db_snapshot(project) == before


def test_replace_keeps_participant_links(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("a.txt", "Ana: Hi.\nBen: Yes.\nAna: Bye.\n")
    run("ingest", path)
    run("participants", "import", write_file("p.csv", "source,speaker,participant,role\na.txt,Ana,P01,resident\n"))
    path.write_text("Ana: Hi there.\nBen: Yes.\nAna: Bye.\n")
    run("ingest", "--replace", path)
    rows = json.loads(run("speakers", "--format", "json").stdout)
    assert [(r["label"], r["participant"]) for r in rows] == [("Ana", "P01"), ("Ben", None)]
