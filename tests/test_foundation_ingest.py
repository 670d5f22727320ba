"""Ingesting plain-text transcripts: speaker conventions, offsets, idempotence, bad input."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, Run, db_snapshot


def segments(db: Path, source: str) -> list[tuple[str | None, str, float | None]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT sp.label, seg.text, seg.timestamp FROM segments seg JOIN sources s ON s.id = seg.source_id "
        "LEFT JOIN speakers sp ON sp.id = seg.speaker_id WHERE s.name = ? AND seg.kind = 'speech' "
        "ORDER BY seg.ordinal", [source]).fetchall()
    conn.close()
    return rows


CONVENTIONS = {
    "colon.txt": "Interviewer: How was it?\nAnna: Hard, honestly.\n\nIt got better though.\nInterviewer: Why?\nAnna: People.\n",
    "bracket.txt": "[Interviewer] How was it?\n[Anna] Hard, honestly.\n\nIt got better though.\n[Interviewer] Why?\n[Anna] People.\n",
    "otter.txt": "Interviewer  0:01\nHow was it?\n\nAnna  0:05\nHard, honestly.\n\nIt got better though.\n\nInterviewer  1:10\nWhy?\n\nAnna  1:12\nPeople.\n",
    "bold.md": "# Interview\n\n**Interviewer:** How was it?\n\n**Anna:** Hard, honestly.\n\nIt got better though.\n\n**Interviewer:** Why?\n\n**Anna:** People.\n",
}


@pytest.mark.parametrize("name", sorted(CONVENTIONS))
def test_each_speaker_convention_gives_the_same_turns(run: Run, project: Path, write_file, name: str) -> None:  # type: ignore[no-untyped-def]
    path = write_file(name, CONVENTIONS[name])
    run("ingest", path)
    got = [(label, text) for label, text, _ in segments(project, name)]
    assert got == [
        ("Interviewer", "How was it?"),
        ("Anna", "Hard, honestly.\n\nIt got better though."),  # continuation paragraph joins the turn
        ("Interviewer", "Why?"),
        ("Anna", "People."),
    ]


def test_otter_header_timestamps_are_kept_in_seconds(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("ingest", write_file("otter.txt", CONVENTIONS["otter.txt"]))
    assert [ts for _, _, ts in segments(project, "otter.txt")] == [1.0, 5.0, 70.0, 72.0]


def test_offsets_point_into_the_stored_text(run: Run, project: Path) -> None:
    run("ingest", *sorted(SAMPLES.glob("*.txt")), *sorted(SAMPLES.glob("*.md")))
    conn = sqlite3.connect(project)
    rows = conn.execute(
        "SELECT src.text, seg.start, seg.end, seg.text, seg.pieces FROM segments seg "
        "JOIN sources src ON src.id = seg.source_id").fetchall()
    assert len(rows) > 800
    for source_text, start, end, text, pieces in rows:
        if pieces is None:
            assert source_text[start:end] == text
        else:
            parts = [source_text[a:b] for a, b in json.loads(pieces)]
            assert "\n\n".join(parts) == text and parts[0].startswith(source_text[start:start + 5])


def test_header_lines_are_metadata_not_speech(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    text = "Focus group 3, synthetic\nDate: 3 March\n\nFacilitator: Welcome.\nP1: Thanks.\nFacilitator: Go on.\nP1: Sure.\n"
    run("ingest", write_file("fg.txt", text))
    conn = sqlite3.connect(project)
    meta = json.loads(conn.execute("SELECT metadata FROM sources").fetchone()[0])
    assert meta["header"] == ["Focus group 3, synthetic", "Date: 3 March"]
    assert [r[0] for r in conn.execute("SELECT label FROM speakers ORDER BY id")] == ["Facilitator", "P1"]


def test_sample_transcripts_have_their_speakers(run: Run, project: Path) -> None:
    run("ingest", *sorted(SAMPLES.glob("*.txt")), *sorted(SAMPLES.glob("*.md")))
    data = json.loads(run("speakers", "--format", "json").stdout)
    labels: dict[str, set[str]] = {}
    for row in data:
        labels.setdefault(row["source"], set()).add(row["label"])
    # What the participants files list (written with the transcripts) is what ingest must find.
    import csv

    expected: dict[str, set[str]] = {}
    for csv_path in SAMPLES.glob("participants_*.csv"):
        for row in csv.DictReader(csv_path.open(encoding="utf-8")):
            expected.setdefault(row["source"], set()).add(row["speaker"])
    assert labels == expected


def test_ingest_stores_hash_group_and_attributes(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("a.txt", CONVENTIONS["colon.txt"])
    run("ingest", path, "--group", "fg-1", "--attr", "site=North", "--attr", "wave=2")
    info = json.loads(run("sources", "--format", "json").stdout)
    assert len(info) == 1
    assert info[0]["group"] == "fg-1" and info[0]["attributes"] == {"site": "North", "wave": "2"}
    conn = sqlite3.connect(project)
    assert conn.execute("SELECT sha256 FROM sources").fetchone()[0] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_reingesting_the_same_bytes_is_a_noop_that_says_so(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("a.txt", CONVENTIONS["colon.txt"])
    run("ingest", path)
    before = db_snapshot(project)
    result = run("ingest", path)
    assert "already ingested as a.txt (same bytes); nothing to do" in result.stderr
    assert db_snapshot(project) == before


def test_a_changed_file_with_the_same_name_needs_replace(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("a.txt", CONVENTIONS["colon.txt"])
    run("ingest", path)
    path.write_text(CONVENTIONS["colon.txt"] + "Interviewer: One more.\n")
    before = db_snapshot(project)
    result = run("ingest", path, code=1)
    assert "a different version of a.txt is already in the project; pass --replace" in result.stderr
    assert db_snapshot(project) == before
    run("ingest", path, "--replace")
    assert len(segments(project, "a.txt")) == 5


@pytest.mark.parametrize("content, message", [
    (b"", "is empty; nothing to ingest"),
    (b"   \n\n", "is empty; nothing to ingest"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "is a PNG image, not a transcript"),
    (b"\x00\x01\x02binary\x00stuff" * 10, "looks like a binary file, not a text transcript"),
])
def test_bad_files_fail_the_whole_batch(run: Run, project: Path, write_file, tmp_path: Path,  # type: ignore[no-untyped-def]
                                        content: bytes, message: str) -> None:
    good = write_file("good.txt", CONVENTIONS["colon.txt"])
    bad = tmp_path / "bad.dat"
    bad.write_bytes(content)
    before = db_snapshot(project)
    result = run("ingest", good, bad, code=1)
    assert message in result.stderr and str(bad) in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert db_snapshot(project) == before  # the good file did not land either


def test_missing_file_is_one_line_and_nothing_lands(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    good = write_file("good.txt", CONVENTIONS["colon.txt"])
    before = db_snapshot(project)
    result = run("ingest", good, "nope.txt", code=1)
    assert result.stderr == "Error: nope.txt: no such file; check the path\n"
    assert db_snapshot(project) == before


def test_keep_going_ingests_the_good_files_and_lists_failures(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    good = write_file("good.txt", CONVENTIONS["colon.txt"])
    empty = write_file("empty.txt", "")
    result = run("ingest", "--keep-going", good, empty, code=1)
    assert "Failed: " in result.stderr and "empty.txt: is empty" in result.stderr
    assert [s["name"] for s in json.loads(run("sources", "--format", "json").stdout)] == ["good.txt"]


def test_errors_never_echo_transcript_text(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    secret = "my attending said something awful"
    path = write_file("x.txt", f"{secret}\nno labels at all here\n")
    result = run("ingest", path, code=1)
    assert "no speaker turns found" in result.stderr
    assert secret not in result.output
