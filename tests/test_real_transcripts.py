"""The 16 real transcripts in ../shared/real_transcripts (see SOURCES.md there).

Expected speakers and turn counts were worked out by reading the files, not by running the
parser: a turn is a run of consecutive paragraphs/cues by one label, counted with grep on
the label lines, e.g. for the Otter export

    grep -E '  [0-9]+:[0-9]{2}(:[0-9]{2})?  $' FILE | sed -E 's/  [0-9:]+  $//' | uniq -c

and for the Word files on their paragraphs (python-docx ``paragraph.text``) with the
``*3:55 = `` prefixes and ``(unclear who?)`` notes taken off the labels. Legend lines at the
top of a file are not turns. Timestamps are read off the files by eye.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, shared_or_skip

# file -> (format, encoding, {speaker: turns}) ; speakers in order of first appearance.
EXPECTED: dict[str, tuple[str, str, dict[str | None, int]]] = {
    "ecape_interview20_da.docx": ("docx", "utf-8", {
        "I1": 134, "Y": 238, "X": 188, "I2": 82, "I1 + I2": 2, "Z": 7, "Y + X": 1, "W": 2}),
    "ecape_interview24_da.docx": ("docx", "utf-8", {
        "I": 264, "X": 254, "X og Y": 13, "Y": 118, "Y Og X": 1, "T": 2, "Y og X": 4}),
    "mlss_interview4_en.txt": ("text", "utf-8", {"Interviewer 1": 41, "Interviewee": 41, "Interviewer 2": 5}),
    # "Interviewer2 2:" is a typo in the file, kept as written (`speakers rename` fixes it).
    "mlss_interview2_fr.txt": ("text", "utf-8", {
        "Interviewer1": 43, "Interviewee1": 44, "Interviewer2": 1, "Interviewer2 2": 1}),
    "ethereum_acdt068_zoom.vtt": ("vtt", "utf-8", {
        "Barnabas": 38, "Pooja Ranjan": 2, "Justin Traglia": 16, "Manu": 1, "Potuz": 9,
        "Stefan Starflinger": 8, "Toni Wahrstätter": 5, "Karim T. (matkt)": 1, "Marc": 2,
        "Jared Wasinger": 1, "Jen": 2, "Caleb": 5, "Stefan Bratanov": 2, "Eitan": 2, "NC": 1,
        "Saulius Grigaitis | Grandine": 2, "Marius van der Wijden": 1}),
    "podcastindex_example_bom_crlf.vtt": ("vtt", "utf-8-sig", {"Travis": 5, "Sarah": 2, "Gilon": 3}),
    "podcastindex_example.srt": ("srt", "utf-8", {"Travis": 5, "Sarah": 2, "Gilon": 3}),
    "webvttpy_teams_timeframe.vtt": ("vtt", "utf-8", {"Yuri Bakulin": 1, "Adrian Petrescu": 1}),
    "hitsave_super_marxist_twins_otter.md": ("markdown", "utf-8", {
        "Jonas Rosland": 61, "Nick Zaleski": 29, "Eric Kesterson": 45, "Saun Conlin": 33,
        "Jim Bochanski": 44, "Unknown Speaker": 1}),
    "hitsave_wintermoor_descript.md": ("markdown", "utf-8", {
        "Jonas Rosland": 45, "Ben Walker": 51, "Kyla Fury": 84, "Ryan Anderson": 110}),
    "zoom_saved_transcript_example.txt": ("text", "utf-8", {"Johnny Doe": 4, "Janet Dough": 4}),
    "qualcoder_transcript.txt": ("text", "utf-8", {"id1": 3, "id2": 2, "id3": 2}),
    "thesis_eval_int3_nl.md": ("markdown", "utf-8", {"Interviewer": 51, "Systems Developer": 50}),
    "scrum_focus_group2.pdf": ("pdf", "n/a", {
        "PARTICIPANT 30": 15, "RESEARCHER": 59, "PARTICIPANT 38": 14, "PARTICIPANT 31": 12,
        "PARTICIPANT 36": 12, "PARTICIPANT 37": 13, "ALL PARTICIPANTS": 1, "PARTICIPANTS": 1}),
    "icpc_code_review_P10R3.rtf": ("rtf", "cp1252", {"I": 21, "P10": 21}),
    # No speaker names: one unlabelled turn per cue (7 cues).
    "pysrt_bom_utf16le.srt": ("srt", "utf-16-le", {None: 7}),
}

# file -> the first speech turns' (speaker, timestamp in seconds), read off the file.
FIRST_TIMES: dict[str, list[tuple[str | None, float | None]]] = {
    "ethereum_acdt068_zoom.vtt": [("Barnabas", 230.78), ("Pooja Ranjan", 234.7), ("Justin Traglia", 240.32)],
    "podcastindex_example_bom_crlf.vtt": [("Travis", 0.179), ("Sarah", 53.03)],
    "podcastindex_example.srt": [("Travis", 0.179), ("Sarah", 53.03)],
    "webvttpy_teams_timeframe.vtt": [("Yuri Bakulin", 0.0), ("Adrian Petrescu", 0.21)],
    "pysrt_bom_utf16le.srt": [(None, 6.5), (None, 11.0), (None, 19.0)],
    "hitsave_super_marxist_twins_otter.md": [("Jonas Rosland", 22.0), ("Nick Zaleski", 44.0), ("Eric Kesterson", 45.0)],
    # [00:00:00] opens the first turn; the next three have no mark; [00:01:00] opens the fifth.
    "hitsave_wintermoor_descript.md": [("Jonas Rosland", 0.0), ("Ben Walker", None), ("Kyla Fury", None),
                                       ("Ryan Anderson", None), ("Jonas Rosland", 60.0)],
    "zoom_saved_transcript_example.txt": [("Johnny Doe", 39729.0), ("Janet Dough", 39729.0), ("Johnny Doe", 39731.0)],
    "scrum_focus_group2.pdf": [("PARTICIPANT 30", 10.0), ("RESEARCHER", 20.0), ("PARTICIPANT 30", 22.0)],
    "mlss_interview4_en.txt": [("Interviewer 1", None), ("Interviewee", None)],
}


def dry_run(run: Run, name: str) -> dict[str, Any]:
    path = shared_or_skip("real_transcripts", name)
    result = run("ingest", "--dry-run", "--format", "json", path)
    lines = result.stdout.splitlines()
    assert len(lines) == 1  # one JSON object per file
    return json.loads(lines[0])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_has_the_expected_speakers_and_turns(run: Run, name: str) -> None:
    fmt, encoding, speakers = EXPECTED[name]
    data = dry_run(run, name)
    assert (data["format"], data["encoding"]) == (fmt, encoding)
    assert [(s["label"], s["turns"]) for s in data["speakers"]] == list(speakers.items())
    assert len(data["turns"]) == sum(speakers.values())
    assert all(t["text"].strip() for t in data["turns"])


@pytest.mark.parametrize("name", sorted(FIRST_TIMES))
def test_real_file_timestamps_are_seconds(run: Run, name: str) -> None:
    data = dry_run(run, name)
    expected = FIRST_TIMES[name]
    assert [(t["speaker"], t["timestamp"]) for t in data["turns"][: len(expected)]] == expected


def test_otter_last_turn_is_timed_in_hours(run: Run) -> None:
    data = dry_run(run, "hitsave_super_marxist_twins_otter.md")
    assert (data["turns"][-1]["speaker"], data["turns"][-1]["timestamp"]) == ("Unknown Speaker", 5896.0)  # 1:38:16


def test_descript_minute_marks_are_out_of_the_quotes(run: Run) -> None:
    data = dry_run(run, "hitsave_wintermoor_descript.md")
    assert not any("[00:" in t["text"] for t in data["turns"])
    assert data["turns"][0]["text"].startswith("hi everyone. And welcome")
    # 117 marks, one per minute: the timed turns' marks run up to the last one in the file.
    times = [t["timestamp"] for t in data["turns"] if t["timestamp"] is not None]
    assert times == sorted(times) and times[-1] <= 116 * 60


def test_word_legend_and_inline_stamps(run: Run) -> None:
    data = dry_run(run, "ecape_interview20_da.docx")
    by_time = {t["timestamp"]: t for t in data["turns"] if t["timestamp"] is not None}
    assert by_time[60.0]["speaker"] == "X"  # *1:00 = X: Jeg spørger bare lidt nysgerrigt, ...
    assert by_time[60.0]["text"].startswith("Jeg spørger bare")
    assert by_time[1395.0]["speaker"] == "I1"  # *23.15 = I1 (utydeligt hvem?): ...
    assert by_time[2085.0]["speaker"] == "X"  # 34:45: X: Åbne her...
    assert by_time[3690.0]["speaker"] == "I2"  # *1.01.30 = I2: ...
    assert data["turns"][0]["text"].startswith("Jeg glemte lige at sige")  # the legend is not speech


def test_word_standalone_stamps_time_the_next_turn(run: Run) -> None:
    data = dry_run(run, "ecape_interview24_da.docx")
    by_time = {t["timestamp"]: t for t in data["turns"] if t["timestamp"] is not None}
    assert by_time[969.0]["speaker"] == "I"  # (16.09) then "I: Kunne I få noget hjælp ..."
    assert by_time[969.0]["text"].startswith("Kunne I få noget hjælp")
    assert 3757.0 in by_time  # (01.02.37)
    assert not any("(16.09)" in t["text"] for t in data["turns"])


def segments(db: Path, name: str) -> list[tuple[str | None, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT sp.label, seg.kind, seg.text FROM segments seg JOIN sources s ON s.id = seg.source_id "
            "LEFT JOIN speakers sp ON sp.id = seg.speaker_id WHERE s.name = ? ORDER BY seg.ordinal", [name]).fetchall()
    finally:
        conn.close()


def test_all_real_files_ingest_in_one_batch(run: Run, project: Path) -> None:
    folder = shared_or_skip("real_transcripts")
    paths = [folder / name for name in sorted(EXPECTED)]
    run("ingest", *paths)
    sources = json.loads(run("sources", "--format", "json").stdout)
    assert sorted(s["name"] for s in sources) == sorted(EXPECTED)
    conn = sqlite3.connect(project)
    rows = conn.execute("SELECT src.text, seg.start, seg.end, seg.text, seg.pieces FROM segments seg "
                        "JOIN sources src ON src.id = seg.source_id").fetchall()
    conn.close()
    for source_text, start, end, text, pieces in rows:  # every quote is where the offsets say
        spans = json.loads(pieces) if pieces else [[start, end]]
        assert "\n\n".join(source_text[a:b] for a, b in spans) == text
    run("ingest", *paths)  # the same bytes again: nothing to do
    assert len(json.loads(run("sources", "--format", "json").stdout)) == len(EXPECTED)


def test_real_non_speech_lines_are_marked_not_attributed(run: Run, project: Path) -> None:
    path = shared_or_skip("real_transcripts", "mlss_interview4_en.txt")
    run("ingest", path)
    notes = [(label, text) for label, kind, text in segments(project, path.name) if kind == "nonspeech"]
    assert notes == [(None, "======= Connection got interrupted ========")]
    docx = shared_or_skip("real_transcripts", "ecape_interview20_da.docx")
    run("ingest", docx)
    notes = [text for label, kind, text in segments(project, docx.name) if kind == "nonspeech"]
    assert len(notes) == 13 and "(Snak i baggrunden, utydeligt)" in notes
    assert "*24:50 = [Der snakkes ind over hinanden og grines lidt, formegentligt over hunden, " \
           "rundvisning starter ved pigerne]" in notes


def test_real_headers_and_legends_are_metadata(run: Run, project: Path) -> None:
    folder = shared_or_skip("real_transcripts")
    run("ingest", folder / "ecape_interview20_da.docx", folder / "ecape_interview24_da.docx",
        folder / "icpc_code_review_P10R3.rtf", folder / "hitsave_super_marxist_twins_otter.md")
    conn = sqlite3.connect(project)
    meta = {name: json.loads(m) for name, m in conn.execute("SELECT name, metadata FROM sources")}
    conn.close()
    assert meta["ecape_interview20_da.docx"]["legend"] == {
        "I1": "Interviewer 1", "I2": "Interviewer 2", "Y": "Mand", "X": "Kvinde", "Z": "Barn 1", "W": "Barn 2"}
    assert meta["ecape_interview20_da.docx"]["header"] == ["Transskribering af interview nr. 20"]
    assert meta["ecape_interview24_da.docx"]["legend"] == {"I": "interviewer", "X": "informant", "Y": "informant"}
    # The RTF's note sections (all-caps titles on lines 11, 14, 31 and 34 of the file); the
    # first title is glued to stray text ("Some of thesREVIEW TYPE AND GOAL") and stays a header line.
    assert list(meta["icpc_code_review_P10R3.rtf"]["sections"]) == ["CONTEXT", "TRANSCRIPT", "GENERAL STRATEGY", "INTERVIEW"]
    assert meta["icpc_code_review_P10R3.rtf"]["header"][0] == "Some of thesREVIEW TYPE AND GOAL"
    otter = meta["hitsave_super_marxist_twins_otter.md"]["sections"]
    assert "Interview took place on June 20, 2022. Interviewer is Jonas Rosland." in otter["Details"]


def test_rtf_curly_quotes_come_through(run: Run) -> None:
    data = dry_run(run, "icpc_code_review_P10R3.rtf")
    assert "“Can I also feel confident about it”" in data["turns"][0]["text"]  # \'93 ... \'94 in cp1252
