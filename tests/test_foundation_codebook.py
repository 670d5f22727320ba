"""Codebook format: validation with line numbers, loading versions, stable ids, show, export."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import CODEBOOKS, Run, db_snapshot

GOOD = """\
name: Test codebook
language: en
codes:
  - id: support
    name: Peer support
    description: Help from peers.
    include: Talk about peers helping.
    exclude: Help from family.
    keywords: [peer, "talk to each other"]
    examples: ["We talk to each other after bad shifts.", "My peers get it."]
    codes:
      - id: seniors
        name: Seniors' stories
        keywords: [senior]
        patterns:
          - [{LEMMA: hear}, {LOWER: about}]
  - id: coping
    name: Coping
    keywords: [drink, numb]
"""


@pytest.mark.parametrize("name", ["em_peer_support.yaml", "intervision.yaml", "mentorship.yaml"])
def test_shipped_codebooks_are_valid_and_complete(run: Run, name: str) -> None:
    run("codebook", "validate", CODEBOOKS / name)
    from qualcode.codebook import load_codebook

    book = load_codebook(CODEBOOKS / name)
    for code in book.codes:  # the bar for the seed codebooks
        assert code.description and code.include and code.exclude and code.keywords, code.id
        assert len(code.examples) >= 2, code.id


def test_validate_reports_every_problem_with_its_line(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    bad = write_file("bad.yaml", """\
codes:
  - id: a
    name: A
    keywrds: [x]
  - id: a
    name: Again
  - id: b
    name: B
    patterns:
      - [{LEMA: feel}]
  - id: c
    name: C
    parent: d
  - id: d
    name: D
    parent: c
""")
    result = run("codebook", "validate", bad, code=1)
    lines = result.stderr.splitlines()
    assert f"{bad}:4: unknown key 'keywrds'; did you mean 'keywords'?" in lines
    assert f"{bad}:5: duplicate id 'a' (first used on line 2); ids must be unique" in lines
    assert any(line.startswith(f"{bad}:7: code 'b' pattern 1:") and "LEMA" in line for line in lines)
    assert any(line.startswith(f"{bad}:11: cycle in parents: c -> d -> c") for line in lines)
    assert lines[-1] == f"Error: {bad}: 4 problem(s); fix them and validate again"


def test_invalid_yaml_names_the_line(run: Run, write_file) -> None:  # type: ignore[no-untyped-def]
    bad = write_file("bad.yaml", "codes:\n  - id: a\n    name: [unclosed\n  - id: b\n")
    result = run("codebook", "validate", bad, code=1)
    assert result.stderr.startswith(f"{bad}:")
    assert "invalid YAML" in result.stderr


def test_load_refuses_an_invalid_codebook_and_changes_nothing(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    bad = write_file("bad.yaml", "codes:\n  - id: a\n    nme: A\n")
    before = db_snapshot(project)
    result = run("codebook", "load", bad, code=1)
    # The first problem by line, and how to see the rest: one line.
    assert result.stderr == (f"Error: {bad}:2: code 'a' has no 'name' (and 1 more: run "
                             f"`qualcode codebook validate {bad}`)\n")
    assert db_snapshot(project) == before


def test_load_show_and_reload_keep_ids_and_codings(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("cb.yaml", GOOD)
    out = run("codebook", "load", path).stderr
    assert "as version 1: 3 added, 0 changed, 0 removed" in out
    tree = run("codebook", "show").stdout
    assert tree.index("Peer support") < tree.index("Seniors' stories") < tree.index("Coping")
    run("ingest", write_file("t.txt", "A: I talk to my peer.\nB: Yes.\nA: Me too.\n"))
    run("code", "1", "coping")
    # Edit: rename a code's label, drop 'seniors', add 'humour'.
    edited = GOOD.replace("name: Coping", "name: Coping strategies").replace(
        "      - id: seniors\n        name: Seniors' stories\n        keywords: [senior]\n        patterns:\n"
        "          - [{LEMMA: hear}, {LOWER: about}]\n", "") + "  - id: humour\n    name: Humour\n"
    path.write_text(edited)
    out = run("codebook", "load", path, "--yes").stderr
    assert "as version 2: 1 added, 1 changed, 1 removed, 1 unchanged" in out
    conn = sqlite3.connect(project)
    assert conn.execute("SELECT code_id, status FROM codings").fetchall() == [("coping", "accepted")]
    assert conn.execute("SELECT status FROM codes WHERE id = 'seniors'").fetchone()[0] == "removed"
    assert conn.execute("SELECT count(*) FROM codebook_versions").fetchone()[0] == 2
    assert "unchanged since the last load" in run("codebook", "load", path).stderr


def test_export_round_trips(run: Run, project: Path, write_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("codebook", "load", CODEBOOKS / "em_peer_support.yaml")
    first = json.loads(run("codebook", "show", "--format", "json").stdout)
    run("codebook", "export", "--output", tmp_path / "out.yaml")
    run("--db", "other.db", "init")
    run("--db", "other.db", "codebook", "load", tmp_path / "out.yaml")
    assert json.loads(run("--db", "other.db", "codebook", "show", "--format", "json").stdout) == first


def test_codebook_show_without_codebook_says_what_to_do(run: Run, project: Path) -> None:
    result = run("codebook", "show", code=1)
    assert result.stderr == "Error: the project has no codebook yet; run `qualcode codebook load FILE` first\n"
