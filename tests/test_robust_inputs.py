"""Hostile and mistaken input files: one line naming the file, the line and the right command,
exit 1, nothing written (issues 14.6, 19.3, 19.4, 19.5, 19.9)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CODEBOOKS, Run, db_snapshot, query
from tests.test_robust_project import one_line_error


def _codes_chain(n: int) -> str:
    text = "codes:\n- id: c0\n  name: C\n"
    return text + "".join(f"- id: c{i}\n  name: C\n  parent: c{i - 1}\n" for i in range(1, n))


def _nested(n: int) -> str:
    text, indent = "codes:\n", ""
    for i in range(n):
        text += f"{indent}- id: c{i}\n{indent}  name: C\n{indent}  codes:\n"
        indent += "    "
    return text + f"{indent}- id: leaf\n{indent}  name: L\n"


def _laughs() -> str:
    """Each code lists the one before twice: 2**39 codes from under 2 KB (an exponential walk)."""
    text = "codes:\n- &a0 {id: a, name: A}\n"
    for i in range(1, 40):
        text += f"- &a{i} {{id: a{i}, name: A, codes: [*a{i - 1}, *a{i - 1}]}}\n"
    return text


def _long_string() -> str:
    text = "description: &s " + "x" * 200_000 + "\ncodes:\n"
    return text + "".join(f"- id: c{i}\n  name: C\n  description: *s\n" for i in range(100))


PATTERN_CODEBOOK = """codes:
  - id: fine
    name: Fine
    patterns:
      - [{LOWER: feel}, {OP: "*"}, {LOWER: alone}]
  - id: {id}
    name: Bad
    patterns:
      - {pattern}
"""

HOSTILE = {
    "aliases that expand": (_laughs(), 13, "alias *a10 makes the codebook expand to more than 100,000 characters"),
    "one long string through aliases": (_long_string(), 35, "alias *s makes the codebook expand"),
    "nested 250 levels": (_nested(250), 95, "nested more than 64 levels deep here"),
    "nested 21 levels": (_nested(21), 62, "code 'c20' is nested more than 20 levels deep"),
    "a 1,000-deep parent chain": (_codes_chain(1000), 61, "code 'c20' is nested more than 20 levels deep"),
    "a REGEX that does not compile": (PATTERN_CODEBOOK.replace("{id}", "bad").replace(
        "{pattern}", '[{LOWER: {REGEX: "(unclosed"}}]'), 9, "code 'bad' pattern 1 REGEX '(unclosed' does not compile"),
    "a pattern matching every token": (PATTERN_CODEBOOK.replace("{id}", "bad").replace(
        "{pattern}", '[{OP: "*"}]'), 9, "code 'bad' pattern 1 matches every token"),
    "a negated token alone": (PATTERN_CODEBOOK.replace("{id}", "bad").replace(
        "{pattern}", '[{LOWER: not, OP: "!"}]'), 9, "code 'bad' pattern 1 matches every token"),
    "a trailing wildcard": (PATTERN_CODEBOOK.replace("{id}", "bad").replace(
        "{pattern}", '[{LOWER: feel}, {OP: "+"}]'), 9, "starts or ends with an open-ended wildcard"),
    "an unclosed [": ("name: x\ncodes:\n  - id: a\n    name: A\n    keywords: [one, two\n  - id: b\n    name: B\n"
                      "    keywords: [c]\n", 5, "invalid YAML: the '[' opened here is not closed before line 6"),
    "an unclosed [ after codes:": ("codes: [\n  - id: a\n    name: A\n", 1, "the '[' opened here is not closed"),
    "an unclosed quote": ('codes:\n  - id: a\n    name: "A\n  - id: b\n    name: B\n', 3,
                          "invalid YAML: the quote opened here is not closed before line 6"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_codebook_is_refused_at_its_line_by_validate_and_load(
        run: Run, project: Path, write_file: Any, case: str) -> None:
    text, line, reason = HOSTILE[case]
    path = write_file("cb.yaml", text)
    result = run("codebook", "validate", path, code=1)
    assert "Traceback" not in result.stdout + result.stderr
    problems = result.stderr.splitlines()
    assert len(problems) == 2 and problems[1].startswith("Error: "), result.stderr[:500]
    assert problems[0].startswith(f"{path}:{line}: ") and reason in problems[0], problems[0][:300]
    before = db_snapshot(project)
    message = one_line_error(run("codebook", "load", path, "--yes", code=1))
    assert message.startswith(f"Error: {path}:{line}: ") and reason in message
    assert db_snapshot(project) == before


def test_ordinary_anchors_and_bounded_wildcards_still_load(run: Run, project: Path, write_file: Any) -> None:
    path = write_file("cb.yaml", """shared: &common [peer, support]
codes:
  - id: a
    name: A
    keywords: *common
    patterns:
      - [{LOWER: feel}, {OP: "*"}, {LOWER: alone}]
      - [{LOWER: {REGEX: "^lonel(y|iness)$"}}]
  - id: b
    name: B
    keywords: *common
""".replace("shared: &common [peer, support]\n", "description: &common peer\n").replace("keywords: *common", "keywords: [*common]"))
    run("codebook", "load", path)
    assert query(project, "SELECT count(*) FROM codes") == [(2,)]


def test_a_codebook_nested_twenty_levels_loads(run: Run, project: Path, write_file: Any) -> None:
    run("codebook", "load", write_file("cb.yaml", _nested(19)))
    assert query(project, "SELECT count(*) FROM codes") == [(20,)]


QDC = '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>\n'


@pytest.mark.parametrize("name, text, args, expected", [
    ("cb.qdc", QDC, ("codebook", "load"), "is a REFI-QDA codebook (.qdc), not a YAML codebook; use `qualcode import qdc"),
    ("cb.qdc", QDC, ("codebook", "validate"), "use `qualcode import qdc"),
    ("cb.xml", QDC, ("codebook", "load"), "use `qualcode import qdc"),  # the content decides, too
    ("cb.qdc", QDC, ("import", "qdpx"), "not a REFI-QDA project (.qdpx); use `qualcode import qdc"),
    ("cb.yaml", "codes: []\n", ("import", "qdc"), "is a YAML codebook, not a REFI-QDA codebook (.qdc); "
                                                  "use `qualcode codebook load"),
    ("cb.yaml", "codes: []\n", ("import", "qdpx"), "use `qualcode codebook load"),
    ("p.qdpx", "PK\x03\x04rest", ("codebook", "load"), "is a REFI-QDA project (.qdpx), not a YAML codebook; "
                                                        "use `qualcode import qdpx"),
    ("p.qdpx", "PK\x03\x04rest", ("import", "codings"), "use `qualcode import qdpx"),
    ("codings.xlsx", "PK\x03\x04rest", ("import", "codings"), "is a workbook, not CSV; save it"),
])
def test_a_file_given_to_the_wrong_command_names_the_right_one(
        run: Run, project: Path, write_file: Any, name: str, text: str, args: tuple[str, ...], expected: str) -> None:
    path = write_file(name, text)
    before = db_snapshot(project)
    message = one_line_error(run(*args, path, code=1))
    assert message.startswith(f"Error: {path} ") and expected in message
    assert db_snapshot(project) == before


def test_a_wrong_file_given_to_import_creates_no_project(run: Run, tmp_path: Path, write_file: Any) -> None:
    one_line_error(run("import", "qdc", write_file("cb.yaml", "codes: []\n"), code=1))
    assert not list(tmp_path.glob("qualcode.db*"))


@pytest.mark.parametrize("args", [("import", "codings"), ("codebook", "load"), ("codebook", "validate"),
                                  ("import", "qdc"), ("import", "qdpx")])
def test_a_folder_or_a_loop_of_links_is_one_line(run: Run, em_project: Path, tmp_path: Path,
                                                 args: tuple[str, ...]) -> None:
    before = db_snapshot(em_project)
    folder = tmp_path / "folder"
    folder.mkdir()
    assert "is a folder" in one_line_error(run(*args, folder, code=1))
    os.symlink(tmp_path / "loop2", tmp_path / "loop1")
    os.symlink(tmp_path / "loop1", tmp_path / "loop2")
    assert "symbolic link that leads nowhere" in one_line_error(run(*args, tmp_path / "loop1", code=1))
    assert db_snapshot(em_project) == before


def test_a_blank_memo_codes_nothing(run: Run, em_project: Path) -> None:
    before = db_snapshot(em_project)
    message = one_line_error(run("code", "3", "cohort-belonging", "--memo", "  ", code=1))
    assert message == "Error: the memo is empty; write some text, or leave out --memo"
    assert db_snapshot(em_project) == before
    run("code", "3", "cohort-belonging", "--memo", "why I coded it")
    assert query(em_project, "SELECT count(*) FROM memos WHERE target_type = 'coding'") == [(1,)]


def test_the_demo_codebook_still_validates(run: Run) -> None:
    for path in sorted(CODEBOOKS.glob("*.yaml")):
        run("codebook", "validate", path)


def test_a_bad_regex_loaded_by_an_older_qualcode_stops_suggest_in_one_line(
        run: Run, em_project: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(em_project)
    with conn:  # as a version without the pattern checks stored it
        conn.execute("""UPDATE codes SET patterns = '[[{"LOWER": {"REGEX": "(unclosed"}}]]' WHERE id = 'cohort-belonging'""")
    conn.close()
    before = db_snapshot(em_project)
    message = one_line_error(run("suggest", code=1))
    assert message.startswith("Error: code 'cohort-belonging' pattern 1 has a REGEX that does not compile")
    assert db_snapshot(em_project) == before
