"""Codebook evolution: diff and confirmation on load, renames and merges carrying every
coding over, orphans of removed codes (retire, remap), history, and validation."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run, db_snapshot
from tests.test_review import VTT, add_suggestions
from tests.conftest import query as q

V1 = """\
name: Night shifts
codes:
  - id: exhaustion
    name: Exhaustion
    keywords: [exhausted]
  - id: support
    name: Peer support
    keywords: [peer]
  - id: humour
    name: Humour
    keywords: [laugh]
  - id: coffee
    name: Coffee
    keywords: [coffee]
"""
V2 = """\
name: Night shifts
codes:
  - id: fatigue
    name: Fatigue
    renamed_from: exhaustion
    keywords: [exhausted, tired]
  - id: support
    name: Peer support
    keywords: [peer]
    codes:
      - id: humour
        merged_into: support
  - id: sleep
    name: Sleep
"""


@pytest.fixture
def evolving(run: Run, project: Path, write_file) -> Path:  # type: ignore[no-untyped-def]
    run("ingest", write_file("night.vtt", VTT))
    run("codebook", "load", write_file("cb.yaml", V1))
    add_suggestions(project, [(2, "exhaustion", 0.9, "exhausted"), (5, "exhaustion", 0.55, "exhausted"),
                              (5, "support", 0.4, "peer"), (5, "humour", 0.7, "laughed"), (3, "humour", 0.3, "helped")])
    run("--coder", "maria", "accept", "--code", "exhaustion")
    run("--coder", "maria", "accept", "--code", "humour", "--min-score", "0.5")
    run("--coder", "lee", "code", "3", "humour")  # accepts the pending suggestion
    run("--coder", "lee", "code", "5", "coffee", "--quote", "coffee machine")
    run("--coder", "lee", "code", "2", "exhaustion", "--quote", "burning out")
    run("memo", "add", "Humour is how they cope.", "--code", "humour")
    return project


def test_load_without_yes_and_without_a_terminal_refuses_and_changes_nothing(
        run: Run, evolving: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot(evolving)
    result = run("codebook", "load", write_file("v2.yaml", V2).name, code=1)
    lines = result.stderr.splitlines()
    assert lines[0] == "Changes to the codebook:"
    assert "  + added    sleep" in lines
    assert "  ~ changed" not in result.stderr
    assert "  → renamed  exhaustion → fatigue (3 codings carried over)" in lines
    assert "  ⇒ merged   humour into support (2 codings carried over)" in lines
    assert "  - removed  coffee" in lines
    assert lines[-1] == ("Error: loading v2.yaml changes the codebook (see above) and there is no terminal to "
                         "confirm; pass --yes to apply it")
    assert db_snapshot(evolving) == before


def test_rename_and_merge_carry_every_coding_over(run: Run, evolving: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    before = {r[0]: r[1:] for r in q(evolving, "SELECT id, code_id, status, coder, start, end FROM codings")}
    out = run("codebook", "load", write_file("v2.yaml", V2).name, "--yes").stderr
    assert ("Loaded v2.yaml as version 2: 1 added, 0 changed, 1 removed, 1 unchanged, 1 renamed, 1 merged"
            in out)
    assert "Removed codes keep their codings (1 now orphaned): coffee" in out
    after = {r[0]: r[1:] for r in q(evolving, "SELECT id, code_id, status, coder, start, end FROM codings")}
    moved = {"exhaustion": "fatigue", "humour": "support"}
    # Every decided coding is still there, same status, coder and span, under its new code.
    for cid, (code, status, coder, start, end) in before.items():
        if status == "suggested" and code == "support":
            continue  # segment 5's pending 'support' gives way to the accepted humour coding merged into it
        assert after[cid] == (moved.get(code, code), status, coder, start, end), cid
    assert cid_set(after) == cid_set(before) - {3}
    assert q(evolving, "SELECT id, status, merged_into FROM codes WHERE id IN ('exhaustion', 'humour', 'coffee', "
                       "'fatigue') ORDER BY id") == [
        ("coffee", "removed", None), ("exhaustion", "renamed", "fatigue"), ("fatigue", "active", None),
        ("humour", "merged", "support")]
    assert q(evolving, "SELECT renamed_from FROM codes WHERE id = 'fatigue'") == [("exhaustion",)]
    assert q(evolving, "SELECT target_id FROM memos") == [("support",)]
    recodes = q(evolving, "SELECT coding_id, detail FROM events WHERE action = 'recode' ORDER BY coding_id")
    assert [(r[0], json.loads(str(r[1]))["from_code"]) for r in recodes] == [
        (1, "exhaustion"), (2, "exhaustion"), (4, "humour"), (5, "humour"), (7, "exhaustion")]
    # Reports and the tree follow the new codebook.
    assert [c["id"] for c in json.loads(run("codebook", "show", "--format", "json").stdout)] == [
        "fatigue", "support", "sleep"]


def cid_set(rows: dict[int, tuple[object, ...]]) -> set[int]:
    return set(rows)


def test_loading_the_same_evolved_codebook_again_is_a_no_op_for_codings(
        run: Run, evolving: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    path = write_file("v2.yaml", V2)
    run("codebook", "load", path, "--yes")
    path.write_text(V2.replace("name: Sleep", "name: Sleep quality"))
    out = run("codebook", "load", path.name, "--yes").stderr
    assert "as version 3: 0 added, 1 changed, 0 removed, 2 unchanged" in out
    assert q(evolving, "SELECT count(*) FROM codings WHERE code_id = 'fatigue'") == [(3,)]


def test_orphans_retire_and_remap(run: Run, evolving: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("codebook", "load", write_file("v2.yaml", V2).name, "--yes")
    out = run("codebook", "orphans")
    assert "coffee" in out.stdout and " 1 │" in out.stdout
    err = run("codebook", "retire", "support", code=1).stderr
    assert err.startswith("Error: code 'support' is active, not removed;")
    assert run("codebook", "retire", "coffee").stderr == "Retired coffee (1 coding kept)\n"
    assert run("codebook", "orphans").stderr == "No orphaned codings.\n"
    assert q(evolving, "SELECT status FROM codings WHERE code_id = 'coffee'") == [("accepted",)]
    assert run("codebook", "remap", "coffee", "sleep").stderr == "Remapped 1 coding from coffee to sleep\n"
    assert q(evolving, "SELECT code_id, coder FROM codings WHERE id = 6") == [("sleep", "lee")]
    assert q(evolving, "SELECT status, merged_into FROM codes WHERE id = 'coffee'") == [("merged", "sleep")]
    assert run("codebook", "remap", "coffee", "nope", code=1).stderr.startswith("Error: code 'coffee' is merged;")


def test_diff_shows_changes_without_loading(run: Run, evolving: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot(evolving)
    out = run("codebook", "diff", write_file("v2.yaml", V2).name).stdout
    assert "→ renamed  exhaustion → fatigue (3 codings carried over)" in out
    assert db_snapshot(evolving) == before
    assert run("codebook", "diff", write_file("v1.yaml", V1).name).stdout == "v1.yaml: identical to the current codebook\n"


def test_history_lists_versions_and_prints_one(run: Run, evolving: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("--coder", "maria", "codebook", "load", write_file("v2.yaml", V2).name, "--yes")
    out = run("codebook", "history").stdout
    lines = [line for line in out.splitlines() if line.startswith("│")]
    assert len(lines) == 2
    assert "4 added" in lines[0] and "cb.yaml" in lines[0]
    assert "maria" in lines[1] and "1 added, 1 renamed, 1 merged, 1 removed" in lines[1]
    assert run("codebook", "history", "--version", "2").stdout == V2
    assert run("codebook", "history", "--version", "9", code=1).stderr == (
        "Error: no codebook version 9; run `qualcode codebook history` to list versions\n")


def test_export_after_evolution_round_trips(run: Run, evolving: Path, write_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("codebook", "load", write_file("v2.yaml", V2).name, "--yes")
    run("codebook", "export", "--output", tmp_path / "out.yaml")
    exported = (tmp_path / "out.yaml").read_text()
    assert "renamed_from" not in exported and "merged_into" not in exported
    assert run("codebook", "diff", tmp_path / "out.yaml").stdout.startswith(
        "No code changes (only the file's wording or layout differs).")


@pytest.mark.parametrize(("yaml_text", "problem"), [
    ("codes:\n  - id: a\n    name: A\n  - id: b\n    name: B\n    renamed_from: a\n",
     "cb.yaml:4: code 'b' is renamed from 'a', but 'a' is still in the codebook; remove the old entry (or use merged_into)"),
    ("codes:\n  - id: a\n    name: A\n  - id: b\n    merged_into: c\n",
     "cb.yaml:4: code 'b' is merged into 'c', which is not a code in the codebook; name an active code"),
    ("codes:\n  - id: a\n    name: A\n    renamed_from: x\n  - id: b\n    name: B\n    renamed_from: x\n",
     "cb.yaml:5: 'x' is renamed to both 'a' and 'b'; rename it once and merge the other with merged_into"),
    ("codes:\n  - id: a\n    name: A\n    renamed_from: x\n  - id: x\n    merged_into: a\n",
     "cb.yaml:2: 'x' is both renamed to 'a' and merged into 'a'; choose one"),
    ("codes:\n  - id: a\n    name: A\n  - id: b\n    merged_into: [a, c]\n",
     "cb.yaml:5: 'merged_into' must name one code id"),
])
def test_evolution_keys_are_validated_with_line_numbers(run: Run, write_file, yaml_text: str, problem: str) -> None:  # type: ignore[no-untyped-def]
    write_file("cb.yaml", yaml_text)
    result = run("codebook", "validate", "cb.yaml", code=1)
    assert problem in result.stderr.splitlines()


def test_a_rename_of_an_unknown_code_is_noted_not_applied(run: Run, evolving: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    text = V1.replace("  - id: coffee\n    name: Coffee\n", "  - id: coffee\n    name: Coffee\n    renamed_from: tea\n")
    out = run("codebook", "load", write_file("v1b.yaml", text).name, "--yes").stderr
    assert "note: 'tea' (renamed to 'coffee') is not in the project; nothing to carry over" in out
