"""`qualcode suggest`: the per-segment cache, other languages, --model and --source."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run, db_snapshot, shared_or_skip

CODEBOOK = """\
codes:
  - id: fatigue
    name: Fatigue
    description: Exhaustion and tiredness after night shifts.
    keywords: [exhausted, tired]
"""
TRANSCRIPT = """\
Ana: I was exhausted after the nights.
Ben: Tired, always tired.
Cleo: We talked about the rota.
"""


def run_library(db_path: Path) -> tuple[int, int]:
    from qualcode.coding.suggestions import run_suggest
    from qualcode.project import open_project

    db = open_project(db_path)
    try:
        result = run_suggest(db)
        return result.analysed, result.segments
    finally:
        db.close()


def test_unchanged_segments_and_codebook_are_not_analysed_again(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    assert run_library(project) == (3, 3)
    assert run_library(project) == (0, 3)
    run("ingest", write_file("fg2.txt", TRANSCRIPT + "Dev: A new line about the coffee.\n"))
    assert run_library(project) == (1, 7)  # only the new text; the copies share the cache
    run("codebook", "load", "--yes", write_file("cb.yaml", CODEBOOK.replace("[exhausted, tired]", "[exhausted]")))
    assert run_library(project) == (4, 7)  # new keywords: every distinct text again
    conn = sqlite3.connect(project)
    assert conn.execute("SELECT count(*), count(DISTINCT pipeline) FROM nlp_cache").fetchone() == (4, 1)
    conn.close()


def test_a_cached_run_stores_the_same_suggestions(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    run("suggest")
    conn = sqlite3.connect(project)
    query = "SELECT segment_id, code_id, method, score, evidence FROM codings ORDER BY id"
    first = conn.execute(query).fetchall()
    run("suggest")
    assert conn.execute(query).fetchall() == first
    conn.close()


def test_a_missing_model_names_the_pip_command_and_changes_nothing(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    before = db_snapshot(project)
    result = run("suggest", "--model", "xx_no_such_pipeline", code=1)
    assert result.stderr == ("Error: spaCy pipeline 'xx_no_such_pipeline' is not installed; install it with "
                             "`pip install xx_no_such_pipeline` (or give the path to a pipeline folder)\n")
    assert db_snapshot(project) == before


def test_source_option_stores_suggestions_for_that_source_only(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("ingest", write_file("a.txt", TRANSCRIPT), write_file("b.txt", TRANSCRIPT.replace("rota", "roster")))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    run("suggest", "--source", "b.txt")
    conn = sqlite3.connect(project)
    names = {r[0] for r in conn.execute(
        "SELECT DISTINCT s.name FROM codings c JOIN sources s ON s.id = c.source_id")}
    conn.close()
    assert names == {"b.txt"}


GERMAN = """\
Interviewer: Wie waren die Nachtschichten?
Anna: Die Schichten waren anstrengend, ich war völlig erschöpft.
Ben: Die Kollegen halfen mir sehr.
"""
GERMAN_CODEBOOK = """\
language: de
codes:
  - id: erschoepfung
    name: Erschöpfung
    keywords: [anstrengen, erschöpft]
  - id: kollegen
    name: Unterstützung durch Kollegen
    description: Die Kollegen helfen und unterstützen.
    keywords: [helfen]
"""


def test_german_codebook_matches_inflected_forms_through_lemmas(run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    run("ingest", write_file("de.txt", GERMAN))
    run("codebook", "load", write_file("cb.yaml", GERMAN_CODEBOOK))
    run("suggest")
    conn = sqlite3.connect(project)
    found = {(r[0], r[1]): json.loads(r[2]) for r in conn.execute(
        "SELECT s.ordinal, c.code_id, c.evidence FROM codings c JOIN segments s ON s.id = c.segment_id")}
    conn.close()
    words = {e["text"] for e in found[(2, "erschoepfung")] if e["kind"] == "keyword"}
    assert words == {"anstrengend", "erschöpft"}  # "anstrengend" has the lemma "anstrengen"
    assert [e["text"] for e in found[(3, "kollegen")] if e["kind"] == "keyword"] == ["halfen"]


REAL = [
    ("ecape_interview20_da.docx", "da", "energi", ["pris", "varme", "strøm"],
     "Priser på energi, varme og strøm, og hvad husstanden betaler."),
    ("thesis_eval_int3_nl.md", "nl", "variabiliteit", ["product", "variabiliteit", "systeem"],
     "Variabiliteit van producten en het systeem dat die beheert."),
    ("mlss_interview2_fr.txt", "fr", "donnees", ["donnée", "données", "modèle", "qualité"],
     "La qualité des données et des modèles d'apprentissage."),
]


@pytest.mark.parametrize("name, lang, code, keywords, description", REAL)
def test_real_transcripts_get_suggestions_from_a_codebook_in_their_language(
        run: Run, project: Path, write_file, name: str, lang: str, code: str, keywords: list[str],  # type: ignore[no-untyped-def]
        description: str) -> None:
    path = shared_or_skip("real_transcripts", name)
    book = (f"language: {lang}\ncodes:\n  - id: {code}\n    name: {code.capitalize()}\n"
            f"    description: \"{description}\"\n    keywords: {json.dumps(keywords, ensure_ascii=False)}\n")
    run("ingest", path)
    run("codebook", "load", write_file("cb.yaml", book))
    run("suggest")
    conn = sqlite3.connect(project)
    rows = conn.execute("SELECT c.evidence, src.text FROM codings c JOIN sources src ON src.id = c.source_id "
                        "WHERE c.code_id = ?", [code]).fetchall()
    conn.close()
    assert len(rows) >= 3
    lexical = [(e, text) for ev, text in rows for e in json.loads(ev) if e["kind"] == "keyword"]
    assert lexical and all(text[e["start"]:e["end"]] == e["text"] for e, text in lexical)
    if lang != "fr":  # the French lookup table lacks these inflections; the forms still match
        assert any(e["text"].lower() != e["term"] for e, _ in lexical)  # an inflected form, found by its lemma
