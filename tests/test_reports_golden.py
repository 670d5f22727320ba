"""Golden files for every report (ids and dates blanked), over a small two-coder study.

``study`` is the fixture the other report tests import. Set QUALCODE_UPDATE_GOLDEN=1 to
rewrite the golden files after an intended change, then read the diff before committing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import Run

GOLDEN = Path(__file__).parent / "golden"

CODEBOOK = """\
name: Peer support study
description: A small codebook for the report tests.
codes:
  - id: support
    name: Peer support
    description: What residents get from each other.
    codes:
      - id: seniors
        name: Seniors' stories
        include: Seniors telling about their own struggles.
        examples: ["The chief told us about her worst night."]
      - id: cohort
        name: Cohort
  - id: coping
    name: Coping
    exclude: Talk about the group itself.
"""
FG1 = ("Fac: Start?\nAna: Seniors told us stories. Ben was there too. It helped a lot.\n"
       "Ben: My cohort is close.\nAna: I drink too much.\n")
FG2 = "Fac  0:05\nStart?\n\nCy  0:10\nThe seniors were honest.\n\nDee  1:15\nWe go out together.\n"
PEOPLE = """\
source,speaker,participant,pseudonym,role,names
fg1.txt,Fac,F1,,facilitator,
fg1.txt,Ana,P1,Alex,resident,Ana Smith; Smith
fg1.txt,Ben,P2,Blake,resident,
fg2.txt,Cy,P3,Casey,chief,
fg2.txt,Dee,P4,,resident,
"""
# Segments: fg1 1 Fac, 2 Ana, 3 Ben, 4 Ana; fg2 5 Fac, 6 Cy, 7 Dee.
KIM = [("2", "seniors"), ("3", "cohort"), ("4", "coping"), ("6", "seniors"), ("7", "cohort"), ("2", "cohort")]
LEE = [("2", "seniors"), ("3", "cohort"), ("6", "seniors"), ("7", "coping"), ("4", "coping")]


@pytest.fixture
def study(run: Run, project: Path, write_file: Callable[..., Path]) -> Path:
    run("ingest", write_file("fg1.txt", FG1), write_file("fg2.txt", FG2))
    run("participants", "import", write_file("people.csv", PEOPLE))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    for coder, codings in (("kim", KIM), ("lee", LEE)):
        for segment, code in codings:
            run("--coder", coder, "code", segment, code)
    return project


def blank(text: str) -> str:
    """Ids and dates out: what a golden file must not depend on."""
    text = re.sub(r'"(segment_id|id)": \d+', r'"\1": "<id>"', text)
    text = re.sub(r"\bsegment \d+", "segment <id>", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?( UTC|[+-]\d{2}:\d{2})?", "<date>", text)
    return text


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    text = blank(text)
    if os.environ.get("QUALCODE_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing; run with QUALCODE_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


CASES = {
    "themes.md": ["report", "themes", "--format", "md"],
    "themes.json": ["report", "themes", "--format", "json"],
    "themes.csv": ["report", "themes", "--format", "csv"],
    "quotes.md": ["report", "quotes", "--format", "md"],
    "quotes_pseudonymised.json": ["report", "quotes", "--format", "json", "--pseudonymise"],
    "matrix_role.md": ["report", "matrix", "--by", "role", "--percent", "column", "--format", "md"],
    "matrix_role.json": ["report", "matrix", "--by", "role", "--format", "json"],
    "matrix_role.csv": ["report", "matrix", "--by", "role", "--percent", "row", "--format", "csv"],
    "cooccurrence.md": ["report", "cooccurrence", "--format", "md"],
    "cooccurrence.json": ["report", "cooccurrence", "--format", "json"],
    "agreement.md": ["report", "agreement", "--characters", "--format", "md"],
    "agreement.json": ["report", "agreement", "--characters", "--format", "json"],
    "agreement.csv": ["report", "agreement", "--format", "csv"],
    "codebook.md": ["codebook", "export", "--format", "md"],
    "codebook.csv": ["codebook", "export", "--format", "csv"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_report_matches_golden_file(run: Run, study: Path, name: str) -> None:
    check_golden(name, run(*CASES[name]).stdout)


def test_html_report_matches_golden_file(run: Run, study: Path, tmp_path: Path) -> None:
    run("report", "html", "--output", tmp_path / "r.html", "--pseudonymise")
    check_golden("report.html", (tmp_path / "r.html").read_text(encoding="utf-8"))
