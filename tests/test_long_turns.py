"""A turn longer than spaCy's 1,000,000-character limit (issue 19.6): analysed in pieces,
with evidence offsets that still point into the whole turn."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from qualcode.nlp.analysis import PIECE_CHARS, pieces
from tests.conftest import Run

CODEBOOK = """\
codes:
  - id: exhaustion
    name: Exhaustion
    keywords: [exhausted, "burn out"]
"""


def test_pieces_cover_the_text_and_cut_at_line_or_sentence_ends() -> None:
    text = ("A sentence that goes on. " * 30 + "\n") * 20
    parts = pieces(text, limit=1000)
    assert "".join(p for _, p in parts) == text
    assert all(len(p) <= 1000 for _, p in parts)
    assert [o for o, _ in parts] == [sum(len(p) for _, p in parts[:i]) for i in range(len(parts))]
    assert all(p.endswith(("\n", ". ")) for _, p in parts[:-1])
    # no line or sentence end at all: cut at a space; no space either: at the limit
    assert all(p.endswith(" ") for _, p in pieces("word " * 1000, limit=300)[:-1])
    assert [len(p) for _, p in pieces("x" * 2500, limit=1000)] == [1000, 1000, 500]


def test_a_turn_over_a_million_characters_is_suggested_with_offsets_in_the_turn(
        run: Run, project: Path, write_file) -> None:  # type: ignore[no-untyped-def]
    filler = "We talked about the rota and the car park and the weather again. "
    body = filler * (1_050_000 // len(filler))
    # keywords in the first and the last piece, and one phrase across lines in the middle
    turn = "I was exhausted. " + body + "Then I started to burn out at the end."
    assert len(turn) > 1_000_000 > PIECE_CHARS
    run("ingest", write_file("long.txt", f"Ana: {turn}\nBen: A short answer.\n"))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    run("suggest")
    conn = sqlite3.connect(project)
    evidence, text = conn.execute(
        "SELECT c.evidence, s.text FROM codings c JOIN sources s ON s.id = c.source_id "
        "WHERE c.code_id = 'exhaustion'").fetchone()
    conn.close()
    found = [e for e in json.loads(evidence) if e["kind"] == "keyword"]
    assert [(e["term"], text[e["start"]:e["end"]]) for e in found] == [
        ("exhausted", "exhausted"), ("burn out", "burn out")]
    assert found[1]["start"] > 1_000_000
