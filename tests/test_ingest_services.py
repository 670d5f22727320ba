"""What transcription services and speech-to-text tools deliver (issue 16), and readers that
say what they skipped (issue 19.5).

The fixtures in tests/transcripts are synthetic focus groups of medical residents, a
facilitator and 3–5 participants, each over 300 words; the Word ones are built from the
listings in tests/transcripts/word_documents.py. The expected speakers, turn counts, first
turns and first times below were counted by reading the files, not by running the parser:
a turn is a run of consecutive paragraphs, segments or cues by one speaker; times are the
turn's first mark (f4's closing mark times the *next* paragraph).
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run
from tests.transcripts import word_documents

HERE = Path(__file__).resolve().parent / "transcripts"

# file -> (format, {speaker: turns} in order of first appearance, first turn's
# (speaker, opening words), (turn index, first time) of the first timed turn)
EXPECTED: dict[str, tuple[str, dict[str, int], tuple[str, str], tuple[int, float]]] = {
    # I/B1/B2/B3; "(laughs)" alone on a line is a note; the first turn has no mark before it.
    "f4_night_shifts.txt": ("text", {"I": 4, "B1": 3, "B2": 3, "B3": 2},
                            ("I", "Thank you all for coming in after a long week."), (1, 21.4)),
    "rev_feedback.txt": ("text", {"Facilitator": 4, "Amara": 2, "Jonas": 2, "Li Wei": 2, "Speaker 5": 2},
                         ("Facilitator", "Okay, I think we are recording."), (0, 4.0)),
    "transcribeme_wellbeing.txt": ("text", {"Moderator": 4, "Participant 1": 3, "Participant 2": 3,
                                            "Participant 3": 2},
                                   ("Moderator", "All right. So the topic for today is wellbeing"), (0, 7.0)),
    "otter_handover.txt": ("text", {"Dr. Sofia Marin": 4, "Kwame Asante": 3, "Hanna Berg": 2, "Rosa Delgado": 2},
                           ("Dr. Sofia Marin", "Good, we are recording."), (0, 4.0)),
    # 16 segments; the one WhisperX left without a speaker continues SPEAKER_03's turn.
    "whisperx_bereavement.json": ("whisper", {"SPEAKER_00": 4, "SPEAKER_01": 2, "SPEAKER_02": 3, "SPEAKER_03": 2},
                                  ("SPEAKER_00", "Thanks for joining, everyone."), (0, 0.52)),
    "whisperx_bereavement.srt": ("srt", {"SPEAKER_00": 4, "SPEAKER_01": 2, "SPEAKER_02": 3, "SPEAKER_03": 2},
                                 ("SPEAKER_00", "Thanks for joining, everyone."), (0, 0.52)),
    "whisperx_bereavement.vtt": ("vtt", {"SPEAKER_00": 4, "SPEAKER_01": 2, "SPEAKER_02": 3, "SPEAKER_03": 2},
                                 ("SPEAKER_00", "Thanks for joining, everyone."), (0, 0.52)),
    # 17 segments, one empty; pauses of 1 s or more at 10.1→11.4, 35.9→36.9, 56.0→58.0,
    # 60.5→61.6, 78.4→79.8 and 88.6→89.6 (exactly 1 s) make 8 runs.
    "whisper_specialty.json": ("whisper", {f"Unlabelled {n}": 1 for n in range(1, 9)},
                               ("Unlabelled 1", "Okay, welcome back."), (0, 0.0)),
    # Word files, built by tests/transcripts/word_documents.py
    "service.docx": ("docx", {"Dr. Okafor": 3, "Priya Nair": 3, "Tom Reyes": 3, "Elif Demir": 3},
                     ("Dr. Okafor", "Thank you for coming."), (0, 5.0)),
    # 13 blocks; Martin's first two blocks and Lucas's two in a row are one turn each.
    "teams.docx": ("docx", {"Martin Kowalski": 3, "Ngozi Eze": 2, "Sam Whitfield": 2, "Aiko Tanaka": 2,
                            "Lucas Moreau": 2},
                   ("Martin Kowalski", "Okay, the transcript is running."), (0, 3.12)),
}
BUILT = {"service.docx": word_documents.service_docx, "teams.docx": word_documents.teams_docx}


def fixture(name: str, tmp_path: Path) -> Path:
    if name in BUILT:
        path = tmp_path / name
        path.write_bytes(BUILT[name]())
        return path
    return HERE / name


def dry(run: Run, path: Path, *extra: str) -> dict[str, Any]:
    lines = run("ingest", "--dry-run", "--format", "json", *extra, path).stdout.splitlines()
    assert len(lines) == 1
    data: dict[str, Any] = json.loads(lines[0])
    return data


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_service_and_tool_exports_give_the_counted_turns(run: Run, tmp_path: Path, name: str) -> None:
    fmt, speakers, (first_speaker, opening), (timed, first_time) = EXPECTED[name]
    data = dry(run, fixture(name, tmp_path))
    assert list(data) == ["file", "format", "encoding", "speakers", "turns"]  # the shape is kept
    assert data["format"] == fmt
    assert [(s["label"], s["turns"]) for s in data["speakers"]] == list(speakers.items())
    assert len(data["turns"]) == sum(speakers.values())
    assert sum(s["words"] for s in data["speakers"]) >= 300
    assert (data["turns"][0]["speaker"], data["turns"][0]["text"][: len(opening)]) == (first_speaker, opening)
    assert [t["timestamp"] for t in data["turns"][:timed]] == [None] * timed
    assert data["turns"][timed]["timestamp"] == first_time


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_time_mark_label_or_metadata_is_left_in_a_quote(run: Run, tmp_path: Path, name: str) -> None:
    for turn in dry(run, fixture(name, tmp_path))["turns"]:
        text = turn["text"]
        assert "#00:" not in text and "[00:" not in text and "-->" not in text, text
        assert not text.startswith(("[SPEAKER", "SPEAKER_", "Speaker 1 (", turn["speaker"] + ":")), text
        assert "otter.ai" not in text and "END OF RECORDING" not in text and text != "(laughs)"


def test_times_of_every_turn_in_f4_rev_and_transcribeme(run: Run) -> None:
    f4 = [t["timestamp"] for t in dry(run, HERE / "f4_night_shifts.txt")["turns"]]
    # each turn starts at the mark that closed the paragraph before it: #00:00:21-4# is 21.4 s
    assert f4 == [None, 21.4, 49.5, 70.2, 74.0, 89.7, 121.3, 134.9, 138.0, 153.6, 165.1, 184.8]
    rev = [t["timestamp"] for t in dry(run, HERE / "rev_feedback.txt")["turns"]]
    assert rev == [4.0, 31.0, 42.0, 62.0, 75.0, 78.0, 84.0, 95.0, 118.0, 123.0, 134.0, 144.0]
    tme = [t["timestamp"] for t in dry(run, HERE / "transcribeme_wellbeing.txt")["turns"]]
    assert tme == [7.0, 24.0, 41.0, 58.0, 61.0, 75.0, 99.0, 103.0, 110.0, 121.0, 134.0, 138.0]


def test_inline_notes_stay_in_the_quotes(run: Run, tmp_path: Path) -> None:
    rev = dry(run, HERE / "rev_feedback.txt")["turns"]
    assert "even there [crosstalk 00:01:10] yes, literally" in rev[3]["text"]
    assert "every Friday [inaudible 00:02:10] and I just" in rev[9]["text"]
    tme = dry(run, HERE / "transcribeme_wellbeing.txt")["turns"]
    assert tme[10]["text"].startswith("[crosstalk] that is the thing")
    assert "cancelled [inaudible] the day before" in tme[2]["text"]
    f4 = dry(run, HERE / "f4_night_shifts.txt")["turns"]
    assert "frightening. [inaudible] the nurses" in f4[5]["text"]
    service = dry(run, fixture("service.docx", tmp_path))["turns"]
    assert service[3]["text"].endswith("full time. [crosstalk]")


def test_headers_footers_and_notes_are_kept_out_of_the_talk(run: Run, project: Path, tmp_path: Path) -> None:
    run("ingest", HERE / "otter_handover.txt", HERE / "transcribeme_wellbeing.txt", HERE / "f4_night_shifts.txt",
        fixture("service.docx", tmp_path), fixture("teams.docx", tmp_path))
    conn = sqlite3.connect(project)
    meta = {name: json.loads(m) for name, m in conn.execute("SELECT name, metadata FROM sources")}
    assert meta["otter_handover.txt"]["footer"] == ["Transcribed by https://otter.ai"]
    assert meta["transcribeme_wellbeing.txt"]["header"] == [
        "residents_wellbeing_fg4.m4a", "Transcript provided by TranscribeMe",
        "Speakers: Moderator, Participant 1, Participant 2, Participant 3"]
    assert meta["service.docx"]["header"][2] == "Duration: 00:42:18"
    assert meta["teams.docx"]["header"] == ["Simulation teaching focus group", "Meeting transcript"]
    notes = conn.execute("SELECT src.name, seg.text FROM segments seg JOIN sources src ON src.id = seg.source_id "
                         "WHERE seg.kind = 'nonspeech' ORDER BY src.name, seg.ordinal").fetchall()
    # f4's "(laughs) #00:00:49-5#" is a note too: its closing mark is cut out of it
    assert notes == [("f4_night_shifts.txt", "(laughs)"), ("transcribeme_wellbeing.txt", "(laughs)"),
                     ("transcribeme_wellbeing.txt", "[END OF RECORDING]")]
    labels = {label for (label,) in conn.execute("SELECT label FROM speakers")}
    assert not labels & {"Project", "Date", "Duration", "Speakers", "Transcribed by https", "END OF RECORDING"}


def test_json_is_sniffed_whatever_the_suffix(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "fg4_transcript.txt"
    path.write_bytes((HERE / "whisperx_bereavement.json").read_bytes())
    assert dry(run, path)["format"] == "whisper"
    path = tmp_path / "notes.json"
    path.write_text('{"title": "Focus group 4", "notes": ["a", "b"]}\n')
    result = run("ingest", "--dry-run", path, code=1)
    assert result.stderr == (f"Error: {path}: is JSON but not Whisper or WhisperX output (no \"segments\" with "
                             "\"start\" and \"text\"); qualcode reads no other JSON transcripts\n")
    path.write_text('{"segments": [{"start": 0.0, "text": "Hi"}\n')
    assert run("ingest", "--dry-run", path, code=1).stderr == (
        f"Error: {path}: is not valid JSON (line 2); check the file or pass --as text\n")


def test_whisper_without_speakers_says_so_and_runs_can_be_named(run: Run, project: Path) -> None:
    result = run("ingest", HERE / "whisper_specialty.json")
    path = HERE / "whisper_specialty.json"
    assert result.stderr.splitlines() == [
        f"{path}: added: 8 speakers, 8 turns, 303 words",
        f"{path}: 1 segment skipped: no text (id 10)",
        f"{path}: no speaker labels (Whisper without diarisation): 16 segments in 8 run(s) split at pauses "
        "of 1 s or more, stored as speakers 'Unlabelled 1'…'Unlabelled 8'; name them with "
        "`qualcode speakers rename 'Unlabelled 1' NAME`",
    ]
    run("speakers", "rename", "Unlabelled 1", "Facilitator")
    run("speakers", "rename", "Unlabelled 5", "Facilitator")  # the same person: merged
    rows = sqlite3.connect(project).execute(
        "SELECT sp.label, count(*) FROM segments seg JOIN speakers sp ON sp.id = seg.speaker_id "
        "GROUP BY sp.label ORDER BY min(seg.ordinal)").fetchall()
    assert rows[0] == ("Facilitator", 2) and len(rows) == 7


def test_qualcoder_closing_marks_and_a_mark_that_opens_the_file(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("qc.txt", "#00:00:01.000#\nI: How were your first nights? #00:00:04.250#\n\n"
                                "B1: Long. Very long. #00:00:09.500#\n\nI: And now? #00:00:11.000#\n\nB1: Better.\n")
    data = dry(run, path)
    assert [(t["speaker"], t["text"], t["timestamp"]) for t in data["turns"]] == [
        ("I", "How were your first nights?", 1.0), ("B1", "Long. Very long.", 4.25),
        ("I", "And now?", 9.5), ("B1", "Better.", 11.0)]


# --- readers report what they skipped (issue 19.5) ---------------------------------------

VTT_WITH_TYPOS = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Facilitator>Welcome to the group.

00:00:04.500 --> 00:00:08.000
<v Resident 1>Thanks. Nights are the hard part.

00:00:08.500 --> 00:00:10.000
<v Resident 2>For me too.

00:00:10.500 -> 00:00:12.000
<v Resident 3>This cue has a typo in its arrow.

00:00:12.500 --> 00:00:14.000
<v Facilitator>Why?

00:00:14.500 --> 00:00:18.000
<v Resident 1>Because nobody is there.

00:00:18.500 --> 00:00:21.000
<v Resident 2>And the bleep never stops.

00:00:21.500 --> 00:00:23.000
<v Resident 3>Exactly.

00:00:23.500 --> 00:00:25.000
<v Facilitator>Go on.

00:00:25.500 --> 00:00:27,000
<v Resident 3>This one has a comma.
"""


def test_a_vtt_cue_with_bad_timing_is_reported_with_its_line(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("fg.vtt", VTT_WITH_TYPOS)
    result = run("ingest", path)
    assert result.stderr.splitlines() == [
        f"{path}: added: 3 speakers + 1 facilitator, 8 turns, 26 words",
        f"{path}: 2 cues skipped: bad timing at lines 12, 30",
    ]
    meta = json.loads(sqlite3.connect(project).execute("SELECT metadata FROM sources").fetchone()[0])
    assert meta["notices"] == ["2 cues skipped: bad timing at lines 12, 30"]
    dry_run = run("ingest", "--dry-run", "--format", "json", path)
    assert json.loads(dry_run.stdout)["speakers"][0]["label"] == "Facilitator"  # stdout stays JSON
    assert f"{path}: 2 cues skipped: bad timing at lines 12, 30" in dry_run.stderr
    assert "  2 cues skipped: bad timing at lines 12, 30" in run("ingest", "--dry-run", path).stdout


def test_vtt_text_outside_any_cue_is_reported(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("fg.vtt", "WEBVTT\n\nNOTE exported by hand\n\n00:00:01.000 --> 00:00:02.000\n<v Ana>Hello.\n\n"
                                "A paragraph after a blank line inside the cue.\n\n"
                                "00:00:03.000 --> 00:00:04.000\n<v Ben>Hi.\n")
    assert "1 block skipped: no timing line at line 8" in run("ingest", "--dry-run", path).stdout


def test_srt_reads_the_good_cues_and_reports_the_bad_ones(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("fg.srt", "1\n00:00:01,000 --> 00:00:03,000\nFacilitator: Welcome.\n\n"
                                "2\n00:00:03,500 -> 00:00:05,000\nResident 1: Lost today.\n\n"
                                "3\n00:00:05,500 --> 00:00:07,000\nResident 1: Nights are hard.\n\n"
                                "4\n00:00:07,500 --> 00:00:09,000\nFacilitator: Why?\n")
    result = run("ingest", "--dry-run", "--format", "json", path)
    data = json.loads(result.stdout)
    assert [(t["speaker"], t["text"]) for t in data["turns"]] == [
        ("Facilitator", "Welcome."), ("Resident 1", "Nights are hard."), ("Facilitator", "Why?")]
    assert f"{path}: 1 cue skipped: bad timing at line 6" in result.stderr


def test_a_clean_subtitle_file_has_no_notice(run: Run) -> None:
    for name in ("whisperx_bereavement.srt", "whisperx_bereavement.vtt"):
        assert "skipped" not in run("ingest", "--dry-run", "--format", "json", HERE / name).stderr


def make_docx(paragraphs: list[str]) -> bytes:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_docx_decompression_bomb_is_refused_before_parsing(run: Run, project: Path, tmp_path: Path) -> None:
    from tests.conftest import db_snapshot

    good = zipfile.ZipFile(io.BytesIO(make_docx(["I: Hello.", "X: Hi."])))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in good.infolist():
            data = good.read(info)
            if info.filename == "word/document.xml":  # 8 MB of one repeated paragraph
                data = data.replace(b"<w:body>", b"<w:body>" + b"<w:p><w:r><w:t>I: a</w:t></w:r></w:p>" * 220_000)
            out.writestr(info, data)
    path = tmp_path / "bomb.docx"
    path.write_bytes(bomb.getvalue())
    before = db_snapshot(project)
    result = run("ingest", path, code=1)
    assert result.stderr.startswith(f"Error: {path}: refused: not a Word file that is safe to open "
                                    "('word/document.xml' is compressed ")
    assert result.stderr.endswith(":1, limit 100:1); possible zip bomb\n")
    assert db_snapshot(project) == before


def test_docx_part_limits() -> None:
    from qualcode.errors import QualcodeError
    from qualcode.ingest.documents import check_members

    def info(name: str, size: int, packed: int) -> zipfile.ZipInfo:
        item = zipfile.ZipInfo(name)
        item.file_size, item.compress_size = size, packed
        return item

    check_members([info("word/document.xml", 40_000_000, 4_000_000), info("word/media/image1.png", 9_000_000,
                                                                         8_900_000)], "ok.docx")
    with pytest.raises(QualcodeError, match=r"'word/document.xml' unpacks to 200,000,000 bytes, limit 134,217,728"):
        check_members([info("word/document.xml", 200_000_000, 100_000_000)], "big.docx")
    with pytest.raises(QualcodeError, match=r"its parts are compressed 500:1, limit 100:1"):
        check_members([info(f"word/p{i}.xml", 1_000_000, 2_000) for i in range(5)], "many.docx")
    with pytest.raises(QualcodeError, match=r"10,001 parts, limit 10,000"):
        check_members([info(f"p{i}", 1, 1) for i in range(10_001)], "parts.docx")


def test_docx_says_what_it_does_not_read_and_keeps_tracked_insertions(run: Run, tmp_path: Path) -> None:
    from docx import Document
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = Document()
    document.add_paragraph("I: How was the first week?")
    answer = document.add_paragraph("B1: Busy, ")
    answer._p.append(parse_xml(f'<w:ins {w} w:id="1" w:author="T" w:date="2026-03-01T00:00:00Z">'
                               '<w:r><w:t>really busy, </w:t></w:r></w:ins>'))
    answer._p.append(parse_xml(f'<w:del {w} w:id="2" w:author="T" w:date="2026-03-01T00:00:00Z">'
                               '<w:r><w:delText>awful, </w:delText></w:r></w:del>'))
    answer.add_run("but good.")
    document.add_paragraph("I: Thank you.")
    document.sections[0].header.paragraphs[0].text = "Confidential: focus group 2"
    path = tmp_path / "tracked.docx"
    document.save(path)
    result = run("ingest", "--dry-run", "--format", "json", path)
    assert json.loads(result.stdout)["turns"][1]["text"] == "Busy, really busy, but good."
    assert result.stderr.splitlines()[:2] == [
        f"{path}: not read: the page header/footer (qualcode reads the paragraphs and tables of the main text)",
        f"{path}: tracked changes: insertions read as accepted text, deletions left out"]


# --- --speaker-pattern recipes for house styles the detector does not know (docs/ingest.md) --

RECIPES = [
    # a service's plain-text export: name, [time], text, no colon
    (r"(?P<label>[A-Z][\w. ]+?) \[(?P<ts>\d+:\d\d:\d\d)\] ",
     "Dr. Okafor [00:00:05] Welcome, everyone.\nPriya Nair [00:00:21] Thanks for having us.\n"
     "Dr. Okafor [00:00:30] Let us begin.\n",
     [("Dr. Okafor", "Welcome, everyone.", 5.0), ("Priya Nair", "Thanks for having us.", 21.0),
      ("Dr. Okafor", "Let us begin.", 30.0)]),
    # time, then the name alone on its line, the text below
    (r"(?P<ts>\d+:\d\d:\d\d) (?P<label>[A-Z][\w ]+)$",
     "00:00:05 Facilitator\nWelcome, everyone.\n\n00:00:21 Resident 1\nThanks for having us.\n\n"
     "00:00:30 Facilitator\nLet us begin.\n",
     [("Facilitator", "Welcome, everyone.", 5.0), ("Resident 1", "Thanks for having us.", 21.0),
      ("Facilitator", "Let us begin.", 30.0)]),
    # a dash instead of a colon
    (r"(?P<label>[A-Z][\w ]{0,30}?) [–-] ",
     "Interviewer – How was the first night?\nResident – Long, but fine.\nInterviewer – Why fine?\n",
     [("Interviewer", "How was the first night?", None), ("Resident", "Long, but fine.", None),
      ("Interviewer", "Why fine?", None)]),
]


@pytest.mark.parametrize("pattern, text, expected", RECIPES)
def test_documented_speaker_pattern_recipes(run: Run, write_file, pattern: str, text: str,  # type: ignore[no-untyped-def]
                                            expected: list[tuple[str, str, float | None]]) -> None:
    path = write_file("house_style.txt", text)
    run("ingest", "--dry-run", path, code=1)  # the detector alone finds no turns
    data = dry(run, path, "--speaker-pattern", pattern)
    assert [(t["speaker"], t["text"], t["timestamp"]) for t in data["turns"]] == expected


def test_recipes_are_the_ones_in_the_docs() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "ingest.md").read_text(encoding="utf-8")
    for pattern, _, _ in RECIPES:
        assert f"--speaker-pattern '{pattern}'" in docs


def test_teams_blocks_saved_as_text_read_like_the_word_file(run: Run, tmp_path: Path) -> None:
    lines = word_documents.TEAMS_HEADER + [x for start, end, name, text in word_documents.TEAMS_BLOCKS
                                           for x in (f"{start} --> {end}", name, text, "")]
    path = tmp_path / "teams.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    as_text, as_word = dry(run, path), dry(run, fixture("teams.docx", tmp_path))
    assert as_text["format"] == "text"
    assert as_text["turns"] == as_word["turns"] and as_text["speakers"] == as_word["speakers"]


def test_cue_text_after_a_bare_timing_line_is_not_taken_for_a_speaker(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("headerless.txt", "00:00:01.000 --> 00:00:02.000\nAna: Hello there.\n\n"
                                        "00:00:03.000 --> 00:00:04.000\nBen: Hi. How was the night?\n\n"
                                        "00:00:05.000 --> 00:00:06.000\nAna: Long.\n")
    assert [t["speaker"] for t in dry(run, path)["turns"]] == ["Ana", "Ben", "Ana"]


def pdf_with_pages(pages: list[list[str] | None]) -> bytes:
    """A PDF whose pages hold lines of text, or (None) only a 1x1 image, as a scan does."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
               "/BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream"]
    kids = []
    for lines in pages:
        if lines is None:
            content = "q 612 0 0 792 0 0 cm /Im1 Do Q"
        else:
            content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> "
                       f"/XObject << /Im1 4 0 R >> >> /Contents {len(objects)} 0 R >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def test_a_pdf_page_that_is_only_an_image_is_reported(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "fg.pdf"
    path.write_bytes(pdf_with_pages([["00:05 RESEARCHER:", "Welcome.", "00:09 RESIDENT 1:", "Hi."], None, [],
                                     ["00:20 RESEARCHER:", "Thanks.", "00:25 RESIDENT 1:", "Bye."]]))
    result = run("ingest", "--dry-run", "--format", "json", path)
    assert [t["text"] for t in json.loads(result.stdout)["turns"]] == ["Welcome.", "Hi.", "Thanks.", "Bye."]
    # page 2 is a scan; page 3 is empty, which is not worth a word
    assert result.stderr.splitlines() == [
        f"{path}: 1 page skipped: an image without a text layer, a scan? (page 2); run OCR on the PDF to read them",
        "Dry run: nothing was written."]


def test_newer_teams_word_transcript_with_directory_names(run: Run, tmp_path: Path) -> None:
    # Teams since 2023: "Name   0:03" then the text; hospital directories write "Last, First".
    path = tmp_path / "teams_new.docx"
    path.write_bytes(make_docx(["Meeting transcript", "", "Okafor, Grace\t0:03", "Welcome, everyone.", "",
                                "Tom Reyes\t0:10", "Thanks for having us.", "", "Okafor, Grace\t0:15",
                                "Let us start with nights.", "", "Tom Reyes\t1:02:20", "Sure."]))
    assert [(t["speaker"], t["timestamp"]) for t in dry(run, path)["turns"]] == [
        ("Okafor, Grace", 3.0), ("Tom Reyes", 10.0), ("Okafor, Grace", 15.0), ("Tom Reyes", 3740.0)]


@pytest.mark.parametrize("content, message", [
    ("[" * 100_000 + "]" * 100_000, "is JSON nested too deeply to be a transcript; check the file"),
    ('[{"start": 0, "text": "Hi"}]', "is JSON but not Whisper or WhisperX output"),
    ('{"segments": [{"start": 0, "text": "  "}]}', "has no segments with text; nothing to ingest"),
])
def test_hostile_or_empty_json_is_one_line(run: Run, write_file, content: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = write_file("odd.json", content)
    result = run("ingest", "--dry-run", path, code=1)
    assert result.stderr.startswith(f"Error: {path}: {message}") and len(result.stderr.splitlines()) == 1


def test_whisper_times_that_are_not_times_are_left_out(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("odd.json", '{"segments": [{"start": NaN, "end": 1, "text": "Hi.", "speaker": "A"}, '
                                  '{"start": 1e999, "text": "Yes.", "speaker": "B"}, '
                                  '{"start": "2.0", "text": "No.", "speaker": 7}, {"start": -3, "text": "So.", "speaker": "A"}]}')
    data = dry(run, path)
    assert [(t["speaker"], t["text"], t["timestamp"]) for t in data["turns"]] == [
        ("A", "Hi.", None), ("B", "Yes. No.", None), ("A", "So.", None)]


def test_bold_name_and_time_without_a_colon_in_markdown_and_word(run: Run, tmp_path: Path) -> None:
    from docx import Document

    expected = [("Dr. Okafor", "Welcome, everyone.", 5.0), ("Priya Nair", "Thanks for having us.", 21.0),
                ("Dr. Okafor", "Let us begin.", 30.0)]
    md = tmp_path / "service.md"
    md.write_text("# Focus group 3\n\n**Dr. Okafor** [00:00:05] Welcome, everyone.\n\n"
                  "**Priya Nair** [00:00:21] Thanks for having us.\n\n**Dr. Okafor** [00:00:30] Let us begin.\n")
    document = Document()
    for name, rest in (("Dr. Okafor", " [00:00:05] Welcome, everyone."), ("Priya Nair", " [00:00:21] Thanks for having us."),
                       ("Dr. Okafor", " [00:00:30] Let us begin.")):
        paragraph = document.add_paragraph()
        paragraph.add_run(name).bold = True
        paragraph.add_run(rest)
    word = tmp_path / "service_spaces.docx"
    document.save(word)
    for path in (md, word):
        assert [(t["speaker"], t["text"], t["timestamp"]) for t in dry(run, path)["turns"]] == expected


def test_ingest_and_sources_count_speakers_and_words_alike(run: Run, project: Path) -> None:
    """Reports leave facilitators out, and notes ([laughter]) are nobody's words: ingest's line
    and `sources` said 8 speakers and 3,669 words against 3,658, with the moderator counted."""
    from tests.conftest import SAMPLES

    said = run("ingest", SAMPLES / "em_peer_support_fg1.txt").stderr
    assert "added: 7 speakers + 1 facilitator, 139 turns, 3,658 words, 11 non-speech notes" in said
    listed = run("sources").stdout
    assert "7 + 1 facilitator" in listed and "3658" in listed
    [source] = json.loads(run("sources", "--format", "json").stdout)
    assert (source["speakers"], source["facilitators"], source["words"]) == (8, 1, 3658)
    run("speakers", "role", "--source", "em_peer_support_fg1.txt", "Facilitator", "participant")
    assert json.loads(run("sources", "--format", "json").stdout)[0]["facilitators"] == 0
    assert "facilitator" not in run("sources").stdout
