"""--pseudonymise leaves no listed name in any output: any case, NFC or NFD, the parts of a
hyphenated surname, the source file name and identifying attributes (issue 19.7)."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

TRANSCRIPT = """Interviewer: Thank you for coming. How was the rota this year?
Maria Jansen-de Vries: Honestly the rota broke us. MARIA from the night team said so, and maria.jansen@example.org still gets the complaints. Mrs Jansen was tired.
Interviewer: Who helped you?
Maria Jansen-de Vries: Zoë Ångström helped, and de Vries family support kept me going. Ask maria, or Zoë, they know the rota.
Interviewer: Anything else?
Zoë Ångström: The rota is the problem, and Vries knows it. Call me on +31 6 1234 5678 about the rota.
"""

CODEBOOK = """codes:
  - id: rota
    name: Rota pressure
    description: Scheduling and rota pressure
    keywords: [rota]
"""

NFD = unicodedata.normalize("NFD", "Zoë Ångström")  # typed on macOS
PARTICIPANTS = ("source,speaker,participant,pseudonym,names,email,phone\n"
                "interview_maria_jansen.txt,Maria Jansen-de Vries,P1,Anna,Maria Jansen-de Vries,"
                "maria.jansen@example.org,\n"
                f"interview_maria_jansen.txt,Zoë Ångström,P2,,{NFD},,+31 6 1234 5678\n")

# Every form that must be gone, compared case-insensitively in NFC and NFD.
FORBIDDEN = ["Maria", "Jansen", "Vries", "Zoë", "Ångström", "interview_maria_jansen", "maria.jansen@example.org",
             "1234 5678"]


@pytest.fixture
def named(run: Run, project: Path, tmp_path: Path) -> Path:
    (tmp_path / "interview_maria_jansen.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "people.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    run("ingest", tmp_path / "interview_maria_jansen.txt")
    run("participants", "import", tmp_path / "people.csv")
    run("participants", "identifying", "phone")
    run("codebook", "load", tmp_path / "cb.yaml")
    for segment in (2, 4, 6):
        run("--coder", "kim", "code", str(segment), "rota")
    run("memo", "add", "--code", "rota", "Maria Jansen-de Vries raised the rota first")
    return project


def leaks(text: str) -> list[str]:
    found = []
    for form in FORBIDDEN:
        for variant in {unicodedata.normalize("NFC", form), unicodedata.normalize("NFD", form)}:
            haystack = unicodedata.normalize("NFC", text) if variant == form else text
            if re.search(re.escape(variant), haystack, re.IGNORECASE):
                found.append(form)
    return found


def _outputs(run: Run, tmp_path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for fmt in ("md", "csv", "json", "table"):
        out[f"quotes.{fmt}"] = run("report", "quotes", "--pseudonymise", "-f", fmt).stdout
    out["matrix by source"] = run("report", "matrix", "--by", "source", "--pseudonymise").stdout
    run("report", "html", "--output", tmp_path / "r.html", "--pseudonymise")
    out["r.html"] = (tmp_path / "r.html").read_text(encoding="utf-8")
    run("report", "docx", "--output", tmp_path / "r.docx", "--pseudonymise")
    with zipfile.ZipFile(tmp_path / "r.docx") as zf:
        out.update({f"r.docx:{n}": zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml")})
    xlsx = run.runner.invoke(__import__("qualcode.cli.main", fromlist=["app"]).app,
                             ["report", "quotes", "--pseudonymise", "--output", str(tmp_path / "q.xlsx")])
    if xlsx.exit_code == 0 and zipfile.is_zipfile(tmp_path / "q.xlsx"):  # when XLSX output exists
        with zipfile.ZipFile(tmp_path / "q.xlsx") as zf:
            out.update({f"q.xlsx:{n}": zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml")})
    run("export", "qdpx", tmp_path / "p.qdpx", "--pseudonymise")
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        out.update({f"p.qdpx:{n}": zf.read(n).decode("utf-8") for n in zf.namelist()})
    return out


def test_no_output_names_anyone(run: Run, named: Path, tmp_path: Path) -> None:
    outputs = _outputs(run, tmp_path)
    assert any(n.startswith("p.qdpx:sources/") for n in outputs)
    leaked = {name: leaks(text) for name, text in outputs.items() if leaks(text)}
    assert leaked == {}
    quotes = outputs["quotes.md"]
    assert "Source 1" in quotes and "Anna" in quotes and "[name]" in quotes  # masked, not emptied
    assert "Anna-Anna" not in quotes and "[redacted]" in quotes


def test_without_pseudonymise_everything_is_as_written(run: Run, named: Path) -> None:
    quotes = run("report", "quotes", "-f", "md").stdout
    assert "interview_maria_jansen.txt" in quotes and "MARIA" in quotes


def test_identifying_attributes_are_listed_and_can_be_cleared(run: Run, named: Path) -> None:
    assert "email, mobile, phone, telephone" in run("participants", "identifying").stderr
    run("participants", "identifying", "employer,team")
    listed = run("participants", "identifying").stderr
    assert "employer" in listed and "team" in listed
    run("participants", "identifying", "--clear")
    assert "employer" not in run("participants", "identifying").stderr


def test_the_parts_of_a_name_but_not_particles_or_titles() -> None:
    from qualcode.reports.pseudonymise import name_forms

    assert name_forms("Maria Jansen-de Vries") == ["Maria Jansen-de Vries", "Maria", "Jansen", "Vries",
                                                   "Maria Jansen", "de Vries"]
    assert name_forms("Dr van Dijk") == ["Dr van Dijk", "Dijk"]
    assert name_forms(unicodedata.normalize("NFD", "Zoë")) == ["Zoë"]  # composed: stored text is NFC


def test_a_source_named_by_a_plain_word_leaves_that_word_in_text() -> None:
    from qualcode.reports.pseudonymise import Pseudonymiser

    pz = Pseudonymiser(sources={"notes": "Source 1", "fg1.txt": "Source 2"}, replacements={"fg1.txt": "Source 2"})
    assert pz.source("notes") == "Source 1" and pz.source("fg1.txt") == "Source 2"
    assert pz.text("my notes on fg1.txt") == "my notes on Source 2"
