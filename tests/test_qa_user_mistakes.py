"""A new user's mistakes, found by trying qualcode on its own demo (issue 14, 19): each is one
line on stderr, exit 1, and the project unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CODEBOOKS, Run, db_snapshot


@pytest.mark.parametrize("name, content, message", [
    ("codebook.yaml", None, "codebook.yaml is a YAML codebook, not a transcript; use `qualcode codebook load "),
    ("cb.yml", "codes:\n  - id: a\n    name: A\n", "cb.yml is a YAML codebook, not a transcript; use `qualcode codebook load"),
    ("cb.qdc", '<?xml version="1.0"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>\n',
     "cb.qdc is a REFI-QDA codebook (.qdc), not a transcript; use `qualcode import qdc"),
    ("p.qde", '<?xml version="1.0"?>\n<Project name="x"/>\n',
     "p.qde is a REFI-QDA project (.qdpx), not a transcript; use `qualcode import qdpx"),
])
def test_ingest_refuses_a_codebook_or_refi_file(run: Run, project: Path, tmp_path: Path,
                                                 name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is None:
        path.write_bytes((CODEBOOKS / "em_peer_support.yaml").read_bytes())  # it used to become 140 "turns"
    else:
        path.write_text(content)
    before = db_snapshot(project)
    result = run("ingest", path, code=1)
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert db_snapshot(project) == before


def test_ingest_as_text_still_reads_a_yaml_file_on_purpose(run: Run, project: Path, tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text("Ana: the codebook says one thing.\nBen: the data another.\n")
    run("ingest", "--as", "text", path)


def test_command_summaries_in_help_are_not_cut_at_an_abbreviation(run: Run) -> None:
    # Click ends a command's summary at the first ". ": "…ids and text, e.g." looked cut off.
    groups = [()] + [(name,) for name in ("report", "codebook", "import", "export", "participants",
                                          "speakers", "sources", "memo")]
    for group in groups:
        listing = run(*group, "--help").stdout.split("Commands:")[-1]
        for line in listing.splitlines():
            assert not line.rstrip().endswith(("e.g.", "i.e.", "etc.")), (group, line)


def test_segments_limit_must_be_positive(run: Run, project: Path) -> None:
    result = run("segments", "--limit", "-3", code=2)  # printed nothing and exited 0
    assert "--limit" in result.stderr


def test_codebook_show_keeps_name_and_id_apart_without_colour(run: Run, em_project: Path) -> None:
    shown = " ".join(run("codebook", "show").stdout.split())  # NO_COLOR: no bold/dim to tell them apart
    assert "Dark humour (dark-humour) 10 keywords, 0 patterns, 2 examples" in shown
    assert "Outside or professional facilitation (outside-facilitation) 11 keywords, 1 pattern, 2 examples" in shown
