"""`qualcode log`: the audit trail of every decision, filtered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.test_review import CODEBOOK, SUGGESTIONS, VTT, add_suggestions


@pytest.fixture
def decided(run: Run, project: Path, write_file) -> Path:  # type: ignore[no-untyped-def]
    run("ingest", write_file("night.vtt", VTT))
    run("--coder", "admin", "codebook", "load", write_file("cb.yaml", CODEBOOK))
    add_suggestions(project, SUGGESTIONS)
    run("--coder", "maria", "accept", "--code", "exhaustion")
    run("--coder", "lee", "reject", "--code", "support", "--max-score", "0.5")
    run("--coder", "lee", "code", "4", "humour")
    run("--coder", "lee", "uncode", "4", "humour")
    return project


def log(run: Run, *args: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(run("log", "--format", "json", *args).stdout)  # type: ignore[no-any-return]


def test_every_decision_is_logged_with_who_what_and_from_which_state(run: Run, decided: Path) -> None:
    events = log(run)
    assert [(e["actor"], e["action"], e["coding_id"], e["from_status"], e["to_status"]) for e in events] == [
        ("admin", "codebook-load", None, None, None),
        ("maria", "accept", 1, "suggested", "accepted"),
        ("maria", "accept", 3, "suggested", "accepted"),
        ("lee", "reject", 4, "suggested", "rejected"),
        ("lee", "code", 5, None, "accepted"),
        ("lee", "uncode", 5, "accepted", "removed"),
    ]
    assert events[1]["code_id"] == "exhaustion" and events[1]["source"] == "night.vtt" and events[1]["segment_id"] == 2


def test_filters(run: Run, decided: Path) -> None:
    assert [e["action"] for e in log(run, "--by", "lee")] == ["reject", "code", "uncode"]
    assert [e["coding_id"] for e in log(run, "--action", "accept")] == [1, 3]
    assert [e["coding_id"] for e in log(run, "--code", "humour")] == [5, 5]
    assert [e["action"] for e in log(run, "--coding", "5")] == ["code", "uncode"]
    assert [e["action"] for e in log(run, "--limit", "2")] == ["code", "uncode"]
    assert log(run, "--since", "2999-01-01") == []
    assert len(log(run, "--source", "night.vtt")) == 5


def test_table_for_people(run: Run, decided: Path) -> None:
    out = run("log", "--by", "lee").stdout
    assert "coding 5: humour on segment 4 (night.vtt), accepted → removed" in out
    assert "coding 4: support on segment 5 (night.vtt), suggested → rejected" in out


def test_unknown_code_filter_is_an_error(run: Run, decided: Path) -> None:
    assert run("log", "--code", "humor", code=1).stderr == (
        "Error: unknown code id 'humor'; did you mean 'humour'? run `qualcode codebook show` to list ids\n")


def test_since_takes_dates_and_refuses_anything_else(run: Run, decided: Path) -> None:
    assert len(log(run, "--since", "2000-01-01")) == len(log(run))
    assert len(log(run, "--since", "2000-01-01 08:30")) == len(log(run))
    assert run("log", "--since", "last week", code=1).stderr == (
        "Error: --since 'last week' is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM\n")
