"""Speaker conventions, time marks, notes and headers, one small file each (what the real
transcripts do, in miniature; docs/ingest.md shows the same examples)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

TWO_TURNS = [("Interviewer", "How was it?"), ("Anna", "Hard, honestly.")]

CONVENTIONS: dict[str, tuple[str, list[tuple[str | None, str]]]] = {
    "colon": ("a.txt", "Interviewer: How was it?\nAnna: Hard, honestly.\n"),
    "space-colon": ("a.txt", "Interviewer : How was it?\nAnna : Hard, honestly.\n"),
    "bracket": ("a.txt", "[Interviewer] How was it?\n[Anna] Hard, honestly.\n"),
    "bold": ("a.md", "**Interviewer:** How was it?\n\n**Anna:** Hard, honestly.\n"),
    "heading": ("a.md", "\n### Interviewer\nHow was it?\n### Anna\nHard, honestly.\n### Interviewer\nOK.\n### Anna\nYes.\n"),
    "otter": ("a.txt", "Interviewer  0:22  \nHow was it?\n\nAnna  0:30  \nHard, honestly.\n"),
    "stamp-first": ("a.txt", "00:10 Interviewer:\nHow was it?\n\n00:20 Anna:\nHard, honestly.\n"),
    "voice-tags": ("a.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Interviewer>How was it?</v>\n\n"
                            "00:00:03.000 --> 00:00:04.000\n<v Anna>Hard, honestly.\n"),
    "zoom-cues": ("a.vtt", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nInterviewer: How was it?\n\n"
                           "2\n00:00:03.000 --> 00:00:04.000\nAnna: Hard, honestly.\n"),
    "srt": ("a.srt", "1\n00:00:01,000 --> 00:00:02,000\nInterviewer: How was it?\n\n"
                     "2\n00:00:03,000 --> 00:00:04,000\nAnna: Hard,\nhonestly.\n"),
}


def dry(run: Run, path: Path, *extra: str) -> dict[str, Any]:
    out = run("ingest", "--dry-run", "--format", "json", *extra, path).stdout
    return json.loads(out)


def turns(data: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(t["speaker"], t["text"]) for t in data["turns"]]


@pytest.mark.parametrize("style", sorted(CONVENTIONS))
def test_each_convention_gives_the_same_two_turns(run: Run, write_file, style: str) -> None:  # type: ignore[no-untyped-def]
    name, text = CONVENTIONS[style]
    got = turns(dry(run, write_file(name, text)))
    assert got[:2] == TWO_TURNS


def test_joint_speakers_are_labels_of_their_own(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    text = ("I: Hvad synes I?\n\nX: Godt.\n\nX og Y: Ja.\n\nI1 + I2: Nej.\n\nALL PARTICIPANTS: Agreed.\n\n"
            "I: Tak.\n\nX og Y: Tak.\n\nI1 + I2: Ok.\n\nALL PARTICIPANTS: Bye.\n")
    got = [s["label"] for s in dry(run, write_file("j.txt", text))["speakers"]]
    assert got == ["I", "X", "X og Y", "I1 + I2", "ALL PARTICIPANTS"]


def test_repeated_labels_and_unlabelled_paragraphs_continue_a_turn(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    text = ("Interviewer: Start.\n\nAnna: One.\n\nAnna: Two.\n\nThree, unlabelled.\n\n"
            "Interviewer: Next.\n\nAnna: Four.\n")
    assert turns(dry(run, write_file("r.txt", text))) == [
        ("Interviewer", "Start."), ("Anna", "One.\n\nTwo.\n\nThree, unlabelled."),
        ("Interviewer", "Next."), ("Anna", "Four.")]


def test_subtitle_names_on_the_first_cue_only(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    text = ("WEBVTT\n\n00:00:00.179 --> 00:00:02.399\n<v Travis> When you first get\nstarted, it's\n\n"
            "00:00:02.400 --> 00:00:04.799\nalmost guaranteed\n\n"
            "00:00:05.000 --> 00:00:06.000\nGilon: So is there\n\n00:00:06.000 --> 00:00:07.000\nan ideal length?\n")
    data = dry(run, write_file("p.vtt", text))
    assert [(t["speaker"], t["text"], t["timestamp"]) for t in data["turns"]] == [
        ("Travis", "When you first get started, it's almost guaranteed", 0.179),
        ("Gilon", "So is there an ideal length?", 5.0)]


def test_teams_short_times_and_closing_voice_tags(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    text = "WEBVTT\n\n0:0:0.0 --> 0:0:0.570\n<v Yuri>There you go.</v>\n\n0:0:0.210 --> 0:0:1.130\n<v Ada>Hello, Yuri.</v>\n"
    data = dry(run, write_file("t.vtt", text))
    assert [(t["speaker"], t["text"], t["timestamp"]) for t in data["turns"]] == [
        ("Yuri", "There you go.", 0.0), ("Ada", "Hello, Yuri.", 0.21)]


def test_legend_is_metadata_not_speech(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    text = ("Interview nr. 20\nI1: Interviewer 1\nY: Mand\nX: Kvinde\n\n\nI1: Velkommen.\n\nY: Tak.\n\n"
            "X: Ja.\n\nI1: Godt.\n\nY: Fint.\n\nX: Nej.\n")
    path = write_file("legend.txt", text)
    assert [s["label"] for s in dry(run, path)["speakers"]] == ["I1", "Y", "X"]
    assert turns(dry(run, path))[0] == ("I1", "Velkommen.")
    run("ingest", path)
    meta = json.loads(run("sources", "--format", "json").stdout)[0]
    import sqlite3

    stored = json.loads(sqlite3.connect(project).execute("SELECT metadata FROM sources").fetchone()[0])
    assert stored == {"header": ["Interview nr. 20"], "legend": {"I1": "Interviewer 1", "Y": "Mand", "X": "Kvinde"}}
    assert meta["name"] == "legend.txt"


def test_equals_legend_line(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    text = "I = interviewer, X = informant\n\nI: Hej.\n\nX: Hej hej.\n\nI: Godt.\n\nX: Ja.\n"
    assert [s["label"] for s in dry(run, write_file("l.txt", text))["speakers"]] == ["I", "X"]


@pytest.mark.parametrize("text, expected", [
    # [00:01:00] inside a turn: out of the quote, times the turn
    ("**Jonas:** Hi there and [00:01:00] welcome.\n\n**Ben:** Hey.\n", [("Jonas", "Hi there and\n\nwelcome.", 60.0), ("Ben", "Hey.", None)]),
    # (16.09) alone on a line times the next turn (minutes.seconds)
    ("I: Hej.\n\n(16.09)\n\nX: Ja.\n\nI: Godt.\n", [("I", "Hej.", None), ("X", "Ja.", 969.0), ("I", "Godt.", None)]),
    # *3:55 = before the label
    ("I1: Hej.\n\n*3:55 = X: Ja.\n\nI1: Godt.\n\nX: Nej.\n", [("I1", "Hej.", None), ("X", "Ja.", 235.0), ("I1", "Godt.", None), ("X", "Nej.", None)]),
    # Zoom's wall-clock header
    ("[Johnny] 11:02:09\nHow you doing?\n\n[Janet] 11:02:13\nFine.\n", [("Johnny", "How you doing?", 39729.0), ("Janet", "Fine.", 39733.0)]),
    # an hour mark with dots: *1.01.30 =
    ("I2: Ja.\n\n*1.01.30 = X: Nej.\n\nI2: Ok.\n\nX: Ja.\n", [("I2", "Ja.", None), ("X", "Nej.", 3690.0), ("I2", "Ok.", None), ("X", "Ja.", None)]),
])
def test_time_marks_become_seconds_and_leave_the_quote(run: Run, write_file, text: str, expected: list[Any]) -> None:  # type: ignore[no-untyped-def]
    data = dry(run, write_file("t.md", text))
    assert [(t["speaker"], t["text"], t["timestamp"]) for t in data["turns"]] == expected


def test_notes_are_nonspeech_and_the_speaker_goes_on(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    text = ("Facilitator: Welcome.\n\nR1: Pizza.\n\n[laughter]\n\nStill R1 talking.\n\n(inaudible)\n\n"
            "==== Connection got interrupted ====\n\nFacilitator: Back.\n\nR1: Yes.\n")
    path = write_file("n.txt", text)
    assert turns(dry(run, path)) == [("Facilitator", "Welcome."), ("R1", "Pizza.\n\nStill R1 talking."),
                                     ("Facilitator", "Back."), ("R1", "Yes.")]
    run("ingest", path)
    import sqlite3

    rows = sqlite3.connect(project).execute(
        "SELECT ordinal, speaker_id, kind, text FROM segments WHERE kind = 'nonspeech' ORDER BY ordinal").fetchall()
    assert [(r[1], r[3]) for r in rows] == [(None, "[laughter]"), (None, "(inaudible)"),
                                            (None, "==== Connection got interrupted ====")]
    words = {r["label"]: r["words"] for r in json.loads(run("speakers", "--format", "json").stdout)}
    assert words == {"Facilitator": 2, "R1": 5}  # notes are nobody's words


def test_headers_before_the_talk_are_metadata(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    text = ("Interview\nSun, 6/5 10:00AM • 40:12\n\nSUMMARY KEYWORDS\npeer support, residency\n\n"
            "SPEAKERS\nAnna, Interviewer\n\nInterviewer  0:01\nHow was it?\n\nAnna  0:05\nHard.\n")
    run("ingest", write_file("otter.txt", text))
    import sqlite3

    meta = json.loads(sqlite3.connect(project).execute("SELECT metadata FROM sources").fetchone()[0])
    assert meta["sections"] == {"SUMMARY KEYWORDS": "peer support, residency", "SPEAKERS": "Anna, Interviewer"}
    assert meta["header"][0] == "Interview"
    assert [s["label"] for s in json.loads(run("speakers", "--format", "json").stdout)] == ["Interviewer", "Anna"]


def test_speaker_pattern_handles_a_missed_convention(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    text = "-- Ana -- Hello there.\n-- Ben -- Hi.\n"
    path = write_file("odd.txt", text)
    result = run("ingest", "--dry-run", path, code=1)
    assert "no speaker turns found" in result.stderr
    data = dry(run, path, "--speaker-pattern", r"-- (?P<label>\w+) -- ")
    assert turns(data) == [("Ana", "Hello there."), ("Ben", "Hi.")]


def test_one_off_header_key_is_not_a_speaker(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    text = "Date: 3 March\nFac: Start?\nAna: Yes.\nBen: No.\nAna: Maybe.\nBen: Fine.\n"
    assert [s["label"] for s in dry(run, write_file("d.txt", text))["speakers"]] == ["Fac", "Ana", "Ben"]


def test_bracket_label_alone_on_its_line(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    text = "[Anna]\nI think so.\n\n[Ben] Me too.\n\n[Anna] Good.\n\n[laughter]\n"
    assert turns(dry(run, write_file("b.txt", text))) == [("Anna", "I think so."), ("Ben", "Me too."), ("Anna", "Good.")]


def test_a_bracketed_name_someone_addresses_is_not_a_label(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    # A pseudonymised name in brackets that starts a question ("[PGY3-D], you sound ...") is the
    # facilitator speaking to PGY3-D: the question must not become PGY3-D's words.
    text = "Facilitator  9:29\n[Ben], you sound unsure. Why?\n\nBen  9:38\nI am.\n\n[Anna]: Me too.\n"
    assert turns(dry(run, write_file("z.txt", text))) == [
        ("Facilitator", "[Ben], you sound unsure. Why?"), ("Ben", "I am."), ("Anna", "Me too.")]


def test_subtitle_notes_are_nonspeech_and_the_turn_goes_on(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    text = ("1\n00:00:01,000 --> 00:00:02,000\nAna: It was hard\n\n2\n00:00:02,000 --> 00:00:03,000\n[laughter]\n\n"
            "3\n00:00:03,000 --> 00:00:04,000\nbut fine.\n\n4\n00:00:05,000 --> 00:00:06,000\nBen: Good.\n")
    path = write_file("n.srt", text)
    assert [(t["speaker"], t["text"], t["timestamp"]) for t in dry(run, path)["turns"]] == [
        ("Ana", "It was hard\n\nbut fine.", 1.0), ("Ben", "Good.", 5.0)]
    run("ingest", path)
    import sqlite3

    conn = sqlite3.connect(project)
    assert conn.execute("SELECT text FROM sources").fetchone()[0] == "Ana: It was hard\n\n[laughter]\n\nbut fine.\n\nBen: Good.\n"
    assert conn.execute("SELECT kind, speaker_id, text, timestamp FROM segments WHERE kind = 'nonspeech'").fetchall() == [
        ("nonspeech", None, "[laughter]", 2.0)]
