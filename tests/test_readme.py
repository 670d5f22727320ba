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
                if argv[0] == "printf" and argv[2] == "|":  # scripted keys: $ printf 'a\nq\n' | qualcode review
                    argv = [f"<{argv[1]}", *argv[3:]]
                assert argv[0] == "qualcode" or (argv[0].startswith("<") and argv[1] == "qualcode"), \
                    f"{path.name}: examples must run qualcode: {line}"
                steps.append((argv[1:] if argv[0] == "qualcode" else [argv[0], *argv[2:]], []))
            elif line.strip() and steps:
                steps[-1][1].append(line.strip())
    return steps


def run_examples(path: Path, run: Run, folder: Path) -> None:
    for name in ("sample_transcripts", "codebooks"):
        (folder / name).symlink_to(REPO / name)
    for argv, expected in examples(path):
        keys = None
        if argv and argv[0].startswith("<"):  # what printf piped in (its \n escapes are newlines)
            keys, argv = argv[0][1:].replace("\\n", "\n"), argv[1:]
        result = run(*argv, input=keys)
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
