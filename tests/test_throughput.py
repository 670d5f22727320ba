"""The default pipeline's speed-ups keep every result: spaCy is imported without torch, and
the hot path gives the same analyses as spaCy's own objects (issue 15.6)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CODEBOOKS, SAMPLES

HAS_TORCH = importlib.util.find_spec("torch") is not None


def modules_after(folder: Path, *runs: list[str]) -> list[set[str]]:
    """The modules a fresh interpreter has loaded after each ``qualcode ARGV`` (in ``folder``)."""
    code = ("import sys, json; from typer.testing import CliRunner; from qualcode.cli.main import app\n"
            f"for argv in {[list(argv) for argv in runs]!r}:\n"
            "    r = CliRunner().invoke(app, argv); assert r.exit_code == 0, r.output\n"
            "    print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=folder,
                         env={**__import__("os").environ, "QUALCODE_EMBEDDINGS": "off"}).stdout
    return [set(json.loads(line)) for line in out.splitlines()]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed: nothing could import it")
def test_default_pipeline_does_not_import_torch(tmp_path: Path) -> None:
    """thinc imports torch whenever it is installed (about two seconds); the offline pipeline
    needs none of it, so neither loading a codebook with patterns nor suggesting imports it."""
    load, suggest = modules_after(
        tmp_path, ["init"], ["ingest", str(SAMPLES / "em_peer_support_fg1.txt")],
        ["codebook", "load", str(CODEBOOKS / "em_peer_support.yaml")], ["suggest", "--embeddings", "off"])[2:]
    assert "spacy" in load and "spacy" in suggest  # the patterns were checked, the pipeline ran
    assert "torch" not in load | suggest


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="pandas is not installed: nothing could import it")
def test_opening_a_project_does_not_import_pandas(tmp_path: Path) -> None:
    """sqlite-utils imports pandas whenever it is installed (about half a second, on every
    command that opens a project); qualcode never needs it there. pandas still imports after."""
    init, ingest, listing = modules_after(
        tmp_path, ["init"], ["ingest", str(SAMPLES / "em_peer_support_fg1.txt")], ["sources"])
    assert "sqlite_utils" in init and "sqlite_utils.db" in listing
    assert not {"pandas", "numpy"} & (init | ingest | listing)
    code = ("import sys; from qualcode.imports import import_sqlite_utils; import_sqlite_utils()\n"
            "assert 'pandas' not in sys.modules\nimport pandas; print(pandas.Series([1, 2]).sum())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "3"


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_torch_still_imports_after_spacy() -> None:
    """The semantic layer imports torch after spaCy: hiding it from thinc must not hide it
    from the rest of the process."""
    code = ("import sys; from qualcode.imports import import_spacy; import_spacy()\n"
            "import thinc.compat; assert 'torch' not in sys.modules and not thinc.compat.has_torch\n"
            "import torch; print(torch.tensor([1.0, 2.0]).sum().item())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "3.0"


def _sample_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(SAMPLES.glob("*_fg*.*")):
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


def test_pattern_filters_find_what_the_whole_matcher_finds() -> None:
    """The lexical layer runs a token pattern only on Docs holding its required words, and
    only on windows around them; on every sample turn, with every shipped codebook's patterns
    (and negation, hedges, repeated keywords), it finds exactly what running every pattern's
    Matcher over the whole Doc finds."""
    from qualcode.codebook import load_codebook
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline

    nlp = make_pipeline("en")
    codes = [c for path in sorted(CODEBOOKS.glob("*.yaml")) for c in load_codebook(path).codes]
    assert sum(len(c.patterns) for c in codes) >= 20
    lines = _sample_lines()
    lines += [f"{a} {b}" for a, b in zip(lines, lines[1:])]  # longer turns: several windows per Doc
    fast = LexicalMatcher(nlp, codes)
    whole = LexicalMatcher(nlp, codes)
    whole._matchers = [([], matcher, 0) for _, matcher, _ in whole._matchers]  # no filter, no window
    found = 0
    for doc in nlp.pipe(lines):
        expected = whole.match(doc)
        assert fast.match(doc) == expected, doc.text[:0]  # (no transcript text in the message)
        found += sum(e.kind == "pattern" for m in expected.values() for e in m.evidence)
    assert found >= 50  # the comparison covered many pattern matches


def test_worker_processes_give_the_same_analyses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many texts are analysed in forked worker processes that send back each analysis as its
    cache JSON: the analyses, their JSON and their order are those of one process."""
    from qualcode.codebook import load_codebook
    from qualcode.nlp import analysis
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline

    if analysis.workers() < 2:
        monkeypatch.setattr(analysis, "workers", lambda: 2)
    monkeypatch.setattr(analysis, "PARALLEL_CHARS", 0)
    monkeypatch.setattr(analysis, "CHUNK_TEXTS", 7)  # many chunks, so that their order matters
    nlp = make_pipeline("en")
    matcher = LexicalMatcher(nlp, load_codebook(CODEBOOKS / "em_peer_support.yaml").codes)
    texts = _sample_lines()[:300] + ["", "x" * (analysis.PIECE_CHARS + 10)]
    one = list(analysis.analyse_all(nlp, matcher, texts, processes=1))
    two = list(analysis.analyse_all(nlp, matcher, texts, processes=2))
    assert [j for _, j in two] == [j for _, j in one]
    assert [(a.lemmas, a.lexical) for a, _ in two] == [(a.lemmas, a.lexical) for a, _ in one]
    assert [a.to_json() for a, _ in one] == [j for _, j in one]
    assert sum(bool(a.lexical) for a, _ in one) >= 20
