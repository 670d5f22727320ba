"""report matrix (code × attribute) and report cooccurrence, over the two-coder study."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Run, db_snapshot
from tests.test_reports_golden import study  # noqa: F401  (fixture)

# Coded segments (both coders): seniors {2, 6}, cohort {2, 3, 7}, coping {4, 7};
# roles: 2, 3, 4, 7 resident; 6 chief; 1 facilitator; 5 (fg2's Fac) not linked, a facilitator
# by its label. Facilitators are left out unless --include-facilitators.


def test_matrix_by_participant_attribute(run: Run, study: Path) -> None:
    rows = json.loads(run("report", "matrix", "--by", "role", "-f", "json").stdout)
    assert [(r["code_id"], r["counts"], r["total"]) for r in rows] == [
        ("support", {"chief": 1, "resident": 3}, 4),
        ("seniors", {"chief": 1, "resident": 1}, 2),
        ("cohort", {"chief": 0, "resident": 3}, 3),
        ("coping", {"chief": 0, "resident": 2}, 2),
    ]
    assert "percent" not in rows[0]
    rows = json.loads(run("report", "matrix", "--by", "role", "--include-facilitators", "-f", "json").stdout)
    assert [(r["code_id"], r["counts"], r["total"]) for r in rows] == [
        ("support", {"chief": 1, "facilitator": 0, "resident": 3, "(none)": 0}, 4),
        ("seniors", {"chief": 1, "facilitator": 0, "resident": 1, "(none)": 0}, 2),
        ("cohort", {"chief": 0, "facilitator": 0, "resident": 3, "(none)": 0}, 3),
        ("coping", {"chief": 0, "facilitator": 0, "resident": 2, "(none)": 0}, 2),
    ]
    assert "percent" not in rows[0]


def test_matrix_percentages(run: Run, study: Path) -> None:
    rows = json.loads(run("report", "matrix", "--by", "role", "--percent", "row", "-f", "json").stdout)
    assert rows[0]["percent"] == {"chief": 25.0, "resident": 75.0}
    rows = json.loads(run("report", "matrix", "--by", "role", "--percent", "column", "-f", "json").stdout)
    # column: of the 4 resident segments, 2 are coded with coping
    assert rows[3]["percent"]["resident"] == 50.0 and rows[0]["percent"]["chief"] == 100.0


def test_matrix_counts_participants_and_sources(run: Run, study: Path) -> None:
    rows = json.loads(run("report", "matrix", "--by", "role", "--count", "participants", "-f", "json").stdout)
    # cohort: segments 2 and 3 and 7 = Ana (P1), Ben (P2), Dee (P4): three people
    assert rows[2]["counts"]["resident"] == 3
    # coping: Ana (segment 4) and Dee (segment 7)
    assert rows[3]["counts"]["resident"] == 2
    rows = json.loads(run("report", "matrix", "--by", "role", "--count", "sources", "-f", "json").stdout)
    assert rows[0]["counts"] == {"chief": 1, "resident": 2}


def test_matrix_by_source_group_participant_and_pseudonyms(run: Run, study: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(run("report", "matrix", "--by", "source", "-f", "json").stdout)
    assert rows[0]["counts"] == {"fg1.txt": 2, "fg2.txt": 2}
    rows = json.loads(run("report", "matrix", "--by", "participant", "-f", "json").stdout)
    assert rows[1]["counts"] == {"P1": 1, "P2": 0, "P3": 1, "P4": 0}
    rows = json.loads(run("report", "matrix", "--by", "participant", "--include-facilitators", "-f", "json").stdout)
    assert rows[1]["counts"] == {"F1": 0, "P1": 1, "P2": 0, "P3": 1, "P4": 0, "Fac": 0}
    rows = json.loads(run("report", "matrix", "--by", "participant", "--pseudonymise", "--include-facilitators",
                          "-f", "json").stdout)
    assert rows[1]["counts"] == {"Alex": 1, "Blake": 0, "Casey": 1, "F1": 0, "P4": 0, "Speaker 1": 0}


def test_matrix_csv_and_unknown_attribute(run: Run, study: Path) -> None:
    table = list(csv.reader(io.StringIO(run("report", "matrix", "--by", "role", "--percent", "row",
                                            "-f", "csv").stdout)))
    assert table[0] == ["code_id", "name", "depth", "chief", "resident", "total", "chief %", "resident %"]
    assert table[1] == ["support", "Peer support", "0", "1", "3", "4", "25.0", "75.0"]
    before = db_snapshot(study)
    result = run("report", "matrix", "--by", "rank", code=1)
    assert result.stderr == ("Error: unknown attribute 'rank'; choose one of: group, participant, role, "
                             "source, speaker.role\n")
    assert db_snapshot(study) == before
    result = run("report", "matrix", "--by", "role", "--count", "words", code=1)
    assert "unknown unit 'words'" in result.stderr


def test_cooccurrence_pairs_and_jaccard(run: Run, study: Path) -> None:
    pairs = json.loads(run("report", "cooccurrence", "-f", "json").stdout)
    # segment 2 carries seniors + cohort, segment 7 cohort + coping
    assert pairs == [
        {"a": "seniors", "b": "cohort", "segments": 1, "jaccard": 0.25},   # 1 / |{2,6} ∪ {2,3,7}|
        {"a": "cohort", "b": "coping", "segments": 1, "jaccard": 0.25},    # 1 / |{2,3,7} ∪ {4,7}|
    ]
    top = json.loads(run("report", "cooccurrence", "--top-level", "-f", "json").stdout)
    assert top == [{"a": "support", "b": "coping", "segments": 1, "jaccard": 0.2}]  # 1 / |{2,3,6,7} ∪ {4,7}|


def test_cooccurrence_matrix_view(run: Run, study: Path) -> None:
    table = list(csv.reader(io.StringIO(run("report", "cooccurrence", "--view", "matrix", "-f", "csv").stdout)))
    assert table == [
        ["code", "support", "seniors", "cohort", "coping"],
        ["support", "0", "0", "0", "0"],
        ["seniors", "0", "2", "1", "0"],
        ["cohort", "0", "1", "3", "1"],
        ["coping", "0", "0", "1", "2"],
    ]
    out = run("report", "cooccurrence").stdout
    assert "Co-occurring codes" in out and "Seniors' stories (seniors)" in out


def test_coding_across_turns_counts_in_each_overlapped_segment(run: Run, study: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(study)
    (start,) = conn.execute("SELECT start FROM segments WHERE id = 3").fetchone()
    (end,) = conn.execute("SELECT end FROM segments WHERE id = 4").fetchone()
    conn.execute("INSERT INTO codings (source_id, segment_id, code_id, start, end, coder, status, origin, method, "
                 "created_at) VALUES (1, NULL, 'seniors', ?, ?, 'kim', 'accepted', 'import', 'import', 'x')",
                 [start, end])
    conn.commit()
    conn.close()
    pairs = {(p["a"], p["b"]): p["segments"] for p in json.loads(run("report", "cooccurrence", "-f", "json").stdout)}
    assert pairs[("seniors", "cohort")] == 2 and pairs[("seniors", "coping")] == 1
    themes = {r["code_id"]: r for r in json.loads(run("report", "themes", "-f", "json").stdout)}
    assert themes["seniors"]["segments"] == 4


@pytest.mark.parametrize("command", ["matrix", "html", "docx", "charts"])
def test_report_by_is_shown_as_an_attribute_not_a_coder(run: Run, command: str) -> None:
    # `log --by` names a coder, and the shared metavar table called this one CODER too
    out = run("report", command, "--help").stdout
    assert "--by ATTRIBUTE" in out and "--by CODER" not in out
