"""``ingest --dry-run``: the parse, shown as a table or JSON, with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SAMPLES, Run, db_snapshot

TEXT = "Title line\n\nInterviewer  0:01\nHow was it?\n\nAnna  0:05\nHard, honestly.\n\n[laughter]\n\nIt got better.\n\nInterviewer  1:10\nWhy?\n"


def test_dry_run_json_is_one_object_per_file_in_the_documented_shape(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    a = write_file("a.txt", TEXT)
    b = write_file("b.txt", "Ana: Hi.\nBen: Yo.\nAna: Bye.\n")
    lines = run("ingest", "--dry-run", "--format", "json", a, b).stdout.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"file": str(a), "format": "text", "encoding": "utf-8",
         "speakers": [{"label": "Interviewer", "turns": 2, "words": 4, "role": "facilitator"},
                      {"label": "Anna", "turns": 1, "words": 5, "role": "participant"}],
         "turns": [{"speaker": "Interviewer", "text": "How was it?", "timestamp": 1.0},
                   {"speaker": "Anna", "text": "Hard, honestly.\n\nIt got better.", "timestamp": 5.0},
                   {"speaker": "Interviewer", "text": "Why?", "timestamp": 70.0}]},
        {"file": str(b), "format": "text", "encoding": "utf-8",
         "speakers": [{"label": "Ana", "turns": 2, "words": 2, "role": "participant"},
                      {"label": "Ben", "turns": 1, "words": 1, "role": "participant"}],
         "turns": [{"speaker": "Ana", "text": "Hi.", "timestamp": None},
                   {"speaker": "Ben", "text": "Yo.", "timestamp": None},
                   {"speaker": "Ana", "text": "Bye.", "timestamp": None}]},
    ]


def test_dry_run_table_shows_format_speakers_and_first_turns(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("a.txt", TEXT)
    result = run("ingest", "--dry-run", "--show", "2", path)
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}: text, utf-8; 1 speaker + 1 facilitator, 3 turns, 9 words"
    assert lines[1:3] == ["  1 non-speech notes", "  1 header lines kept as metadata"]
    body = result.stdout
    assert "│ speaker     │ role        │ turns │ words │" in body.replace("┃", "│")
    assert "│ Interviewer │ facilitator │     2 │     4 │" in body
    assert "│ Anna        │ participant │     1 │     5 │" in body
    assert "│ 1 │ Interviewer │ 0:01 │ How was it?" in body and "│ 2 │ Anna" in body
    assert "Why?" not in body  # only the first two turns
    assert result.stderr == "Dry run: nothing was written.\n"


def test_dry_run_writes_nothing_and_needs_no_project(run: Run, project: Path, tmp_path: Path) -> None:
    before = db_snapshot(project)
    run("ingest", "--dry-run", *sorted(SAMPLES.glob("*.txt")))
    assert db_snapshot(project) == before
    project.unlink()
    run("ingest", "--dry-run", SAMPLES / "mentorship_fg2.txt")
    assert not project.exists()


def test_dry_run_bad_file_fails_or_is_listed_with_keep_going(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    good = write_file("good.txt", "Ana: Hi.\nBen: Yo.\n")
    empty = write_file("empty.txt", "")
    result = run("ingest", "--dry-run", "--format", "json", empty, good, code=1)
    assert result.stderr == f"Error: {empty}: is empty; nothing to ingest\n"
    result = run("ingest", "--dry-run", "--format", "json", "--keep-going", empty, good, code=1)
    assert [json.loads(line)["file"] for line in result.stdout.splitlines()] == [str(good)]
    assert f"Failed: {empty}: is empty; nothing to ingest" in result.stderr
    assert "Error: 1 of 2 files cannot be ingested (listed above)" in result.stderr


def test_dry_run_output_format_is_checked(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    result = run("ingest", "--dry-run", "--format", "xml", write_file("a.txt", "Ana: Hi.\nBen: Yo.\n"), code=2)
    assert "choose table or json (output), or a parser" in result.stderr


def test_ingest_json_output_lists_results(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("a.txt", TEXT)
    data = json.loads(run("ingest", "--format", "json", path).stdout)
    assert [(r["name"], r["status"], r["speakers"], r["turns"], r["notes"]) for r in data] == [("a.txt", "added", 2, 3, 1)]


def test_dry_run_shows_the_role_ingest_would_record(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    """From the label or the file's legend, as ingest decides it; unlabelled turns have none."""
    path = write_file("l.txt", "X = interviewer, Y = informant\n\nX: Hello.\n\nY: Hi.\n\nX: Good.\n")
    data = json.loads(run("ingest", "--dry-run", "--format", "json", path).stdout)
    assert [(s["label"], s["role"]) for s in data["speakers"]] == [("X", "facilitator"), ("Y", "participant")]
    table = run("ingest", "--dry-run", path).stdout
    assert "│ X       │ facilitator │" in table and "│ Y       │ participant │" in table
    run("ingest", path)
    stored = json.loads(run("speakers", "--format", "json").stdout)
    assert [(s["label"], s["role"]) for s in stored] == [("X", "facilitator"), ("Y", "participant")]
    cues = write_file("u.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\n\n"
                               "00:00:03.000 --> 00:00:04.000\n<v Ana>Hi.\n")
    loose = json.loads(run("ingest", "--dry-run", "--format", "json", cues).stdout)
    assert [(s["label"], s["role"]) for s in loose["speakers"]] == [(None, None), ("Ana", "participant")]
    table = run("ingest", "--dry-run", cues).stdout
    assert "│ (unlabelled) │             │" in table
    assert table.startswith(f"{cues}: vtt, utf-8; 1 speaker, 2 turns, 3 words\n")  # as ingest counts them


def test_dry_run_summary_wraps_between_words_on_a_narrow_terminal(run: Run, write_file, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "60")
    path = write_file("a.txt", TEXT)
    out = run("ingest", "--dry-run", "--show", "0", path).stdout
    assert max(len(line) for line in out.splitlines()) <= 60
    summary = out[:out.index("  1 non-speech notes")]
    assert "1 speaker + 1 facilitator, 3 turns, 9 words" in " ".join(summary.split())  # no word cut
