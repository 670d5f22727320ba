"""The README's examples are run, in order, in a fresh folder holding the sample data.

Every ```console block line starting with `$ qualcode` is a command that must exit 0; the
lines under it are output that must appear in what it printed. Blocks in docs/*.md are run
the same way, each file in its own fresh folder."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import REPO, Run

BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def examples(path: Path) -> list[tuple[list[str], list[str]]]:
    steps: list[tuple[list[str], list[str]]] = []
    for block in BLOCK.findall(path.read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith("$ "):
                argv = shlex.split(line[2:])
                assert argv[0] == "qualcode", f"{path.name}: examples must run qualcode: {line}"
                steps.append((argv[1:], []))
            elif line.strip() and steps:
                steps[-1][1].append(line.strip())
    return steps


def run_examples(path: Path, run: Run, folder: Path) -> None:
    for name in ("sample_transcripts", "codebooks"):
        (folder / name).symlink_to(REPO / name)
    for argv, expected in examples(path):
        result = run(*argv)
        printed = result.stdout + result.stderr
        for line in expected:
            assert line in printed, f"{path.name}: `qualcode {' '.join(argv)}` did not print {line!r}:\n{printed}"


def test_readme_examples_run(run: Run, tmp_path: Path) -> None:
    steps = examples(REPO / "README.md")
    assert len(steps) >= 20
    run_examples(REPO / "README.md", run, tmp_path)


DOCS = sorted((REPO / "docs").glob("*.md")) if (REPO / "docs").exists() else []


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_docs_examples_run(run: Run, tmp_path: Path, doc: Path) -> None:
    run_examples(doc, run, tmp_path)
