"""Suggestions from keywords (on lemmas) and Matcher patterns; bulk and manual decisions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run, db_snapshot

CODEBOOK = """\
codes:
  - id: exhaustion
    name: Exhaustion
    keywords: [exhausted, "burn out"]
  - id: support
    name: Peer support
    keywords: [peer]
    patterns:
      - [{LEMMA: talk}, {LOWER: to}, {LOWER: {IN: [someone, somebody]}}]
"""
TRANSCRIPT = """\
Facilitator: How have the nights been?
Ana: Honestly I was burning out. Completely exhausted after every night shift.
Ben: For me talking to somebody helped. My peers, mostly.
Facilitator: Anything else?
Ben: The coffee machine is broken again.
"""


@pytest.fixture
def coded(run: Run, project: Path, write_file) -> Path:  # type: ignore[no-untyped-def]
    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    return project


def suggestions(db: Path) -> list[dict]:  # type: ignore[type-arg]
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        "SELECT c.*, s.ordinal, src.text AS source_text FROM codings c JOIN segments s ON s.id = c.segment_id "
        "JOIN sources src ON src.id = c.source_id ORDER BY s.ordinal, c.code_id").fetchall()
    conn.close()
    return [dict(r) for r in rows]


def test_keywords_match_on_lemmas_with_evidence_offsets(run: Run, coded: Path) -> None:
    run("suggest")
    rows = {(r["ordinal"], r["code_id"]): r for r in suggestions(coded)}
    exhaustion = rows[(2, "exhaustion")]
    evidence = json.loads(exhaustion["evidence"])
    lexical = [e for e in evidence if e["kind"] == "keyword"]
    # "burning out" matches the keyword "burn out" through lemmas; "exhausted" matches itself.
    assert {e["term"] for e in lexical} == {"burn out", "exhausted"}
    for e in lexical:
        assert exhaustion["source_text"][e["start"]:e["end"]] == e["text"]
    assert {e["text"] for e in lexical} == {"burning out", "exhausted"}
    assert exhaustion["status"] == "suggested" and exhaustion["coder"] is None
    assert 0 < exhaustion["score"] <= 1


def test_patterns_and_keywords_both_count(run: Run, coded: Path) -> None:
    run("suggest")
    support = {(r["ordinal"], r["code_id"]): r for r in suggestions(coded)}[(3, "support")]
    kinds = {e["kind"]: e for e in json.loads(support["evidence"])}
    assert kinds["pattern"]["text"] == "talking to somebody"
    assert kinds["keyword"]["text"] == "peers"
    assert "keyword" in support["method"] and "pattern" in support["method"]


def test_more_evidence_scores_higher(run: Run, coded: Path) -> None:
    run("suggest")
    rows = {(r["ordinal"], r["code_id"]): r["score"] for r in suggestions(coded)}
    from qualcode.nlp.lexical import WEIGHT_WORD

    assert rows[(3, "support")] > WEIGHT_WORD  # a pattern plus a keyword beats one keyword alone
    assert all(0 <= s <= 1 for s in rows.values())


def test_segments_without_evidence_get_no_lexical_suggestion(run: Run, coded: Path) -> None:
    run("suggest")
    lexical = [r for r in suggestions(coded)
               if any(e["kind"] in ("keyword", "pattern") for e in json.loads(r["evidence"]))]
    assert 5 not in {r["ordinal"] for r in lexical}  # the coffee machine


def test_running_suggest_again_does_not_duplicate(run: Run, coded: Path) -> None:
    run("suggest")
    first = [(r["segment_id"], r["code_id"], r["score"]) for r in suggestions(coded)]
    result = run("suggest")
    assert "0 new" in result.stderr
    assert [(r["segment_id"], r["code_id"], r["score"]) for r in suggestions(coded)] == first


def test_decided_suggestions_are_not_suggested_again(run: Run, coded: Path) -> None:
    run("suggest")
    run("--coder", "ana", "reject", "--code", "exhaustion")
    run("suggest")
    rows = [r for r in suggestions(coded) if r["code_id"] == "exhaustion"]
    assert rows and all(r["status"] == "rejected" and r["coder"] == "ana" for r in rows)


def test_suggest_without_codebook_says_what_to_do(run: Run, project: Path) -> None:
    result = run("suggest", code=1)
    assert result.stderr == "Error: the project has no codebook yet; run `qualcode codebook load FILE` first\n"


def test_accept_by_score_records_coder_and_events(run: Run, coded: Path) -> None:
    run("suggest")
    rows = suggestions(coded)
    threshold = sorted(r["score"] for r in rows)[-1]
    result = run("--coder", "maria", "accept", "--min-score", str(threshold))
    expected = [r["id"] for r in rows if r["score"] >= threshold]
    assert f"Accepted {len(expected)} suggestion" in result.stderr
    after = {r["id"]: r for r in suggestions(coded)}
    for coding_id in expected:
        assert after[coding_id]["status"] == "accepted" and after[coding_id]["coder"] == "maria"
    conn = sqlite3.connect(coded)
    events = conn.execute("SELECT actor, action, coding_id, from_status, to_status FROM events "
                          "WHERE action = 'accept' ORDER BY coding_id").fetchall()
    assert events == [("maria", "accept", i, "suggested", "accepted") for i in sorted(expected)]


def test_coder_comes_from_env_then_os_user(run: Run, coded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("suggest")
    monkeypatch.setenv("QUALCODE_CODER", "env-coder")
    run("accept", "--code", "support")
    monkeypatch.delenv("QUALCODE_CODER")
    monkeypatch.setattr("getpass.getuser", lambda: "os-user")
    run("accept", "--code", "exhaustion")
    coders = {r["code_id"]: r["coder"] for r in suggestions(coded) if r["status"] == "accepted"}
    assert coders == {"support": "env-coder", "exhaustion": "os-user"}


def test_accept_and_reject_filter_by_source(run: Run, coded: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("ingest", write_file("other.txt", TRANSCRIPT.replace("nights", "evenings")))
    run("suggest")
    run("reject", "--source", "other.txt")
    conn = sqlite3.connect(coded)
    by_source = dict(conn.execute(
        "SELECT s.name, group_concat(DISTINCT c.status) FROM codings c JOIN sources s ON s.id = c.source_id "
        "GROUP BY s.name").fetchall())
    assert by_source == {"fg.txt": "suggested", "other.txt": "rejected"}


@pytest.mark.parametrize("args, message", [
    (["accept", "--code", "exhaustoin"], "unknown code id 'exhaustoin'; did you mean 'exhaustion'? run `qualcode codebook show` to list ids"),
    (["reject", "--source", "missing.txt"], "unknown source 'missing.txt'; run `qualcode sources` to list source names"),
    (["code", "99", "support"], "no segment with id 99"),
    (["code", "1", "nope"], "unknown code id 'nope'"),
])
def test_bad_ids_are_one_line_and_change_nothing(run: Run, coded: Path, args: list[str], message: str) -> None:
    run("suggest")
    before = db_snapshot(coded)
    result = run(*args, code=1)
    assert result.stderr.startswith("Error: " + message) and result.stderr.count("\n") == 1
    assert db_snapshot(coded) == before


def test_manual_code_creates_or_accepts_and_is_idempotent(run: Run, coded: Path) -> None:
    run("suggest")
    assert "Coded segment 5 as support" in run("--coder", "kim", "code", "5", "support").stderr
    assert "Accepted the suggestion of exhaustion for segment 2" in run("--coder", "kim", "code", "2", "exhaustion").stderr
    assert "already coded" in run("--coder", "kim", "code", "5", "support").stderr
    rows = [r for r in suggestions(coded) if r["coder"] == "kim"]
    assert sorted((r["ordinal"], r["code_id"], r["origin"]) for r in rows) == [
        (2, "exhaustion", "suggest"), (5, "support", "manual")]


def test_progress_bar_only_on_a_terminal(run: Run, coded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    piped = run("suggest").stderr
    assert "Suggesting" not in piped and piped.count("\n") == 1  # the summary line only
    monkeypatch.setattr("qualcode.cli.context.stderr_is_terminal", lambda: True)
    assert "Suggesting" in run("suggest").stderr
    assert "Suggesting" not in run("--quiet", "suggest").stderr


def test_a_stale_suggestion_with_a_memo_is_kept(run: Run, coded: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("suggest")
    rows = [r for r in suggestions(coded) if r["code_id"] == "exhaustion"]
    noted, other = rows[0]["id"], [r["id"] for r in rows[1:]]
    run("memo", "add", "Check whether this is exhaustion or boredom.", "--coding", str(noted))
    # The codebook drops every exhaustion keyword: its pending suggestions no longer fire.
    run("codebook", "load", write_file("cb.yaml", CODEBOOK.replace('keywords: [exhausted, "burn out"]', "keywords: [zzz]")),
        "--yes")
    run("suggest")
    left = {r["id"] for r in suggestions(coded) if r["code_id"] == "exhaustion"}
    assert noted in left and not left & set(other)
