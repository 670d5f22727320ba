"""Issue 14.7: tables that fit the terminal, and piped output that stays readable.

Ids, codes and numbers are never cut or folded; long text wraps; when a table cannot fit, each
record becomes a block. Golden files at 80 and 120 columns (CliRunner's output is piped, as
``qualcode codings | less`` is); rewrite them with QUALCODE_UPDATE_GOLDEN=1 and read the diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import CODEBOOKS, SAMPLES, Run

GOLDEN = Path(__file__).parent / "golden" / "tables"


@pytest.fixture
def coded(run: Run, project: Path, tmp_path: Path) -> Path:
    """The EM demo study, suggested and accepted, its codebook loaded twice under short names."""
    shutil.copy(CODEBOOKS / "em_peer_support.yaml", tmp_path / "em_peer_support.yaml")
    run("ingest", SAMPLES / "em_peer_support_fg1.txt", SAMPLES / "em_peer_support_fg2.txt")
    run("participants", "import", SAMPLES / "participants_em.csv")
    run("--coder", "maria", "codebook", "load", "em_peer_support.yaml")
    text = (tmp_path / "em_peer_support.yaml").read_text(encoding="utf-8")
    (tmp_path / "em_peer_support_v2_with_a_long_file_name.yaml").write_text(
        text.replace("name: Normalising struggles", "name: Normalising the struggles"), encoding="utf-8")
    run("--coder", "maria", "codebook", "load", "em_peer_support_v2_with_a_long_file_name.yaml", "--yes")
    # Coded by hand (not suggested), on participants' turns: the goldens do not move when the
    # suggestion layers or the facilitator rules change.
    turns = [t for t in json.loads(run("segments", "--format", "json").stdout) if (t["speaker"] or "").startswith("R")]
    codes = ["dark-humour", "resetting-after-bad-shifts", "not-the-only-one", "insider-facilitation"]
    for k, turn in enumerate(turns[:32]):
        run("--coder", "maria", "code", str(turn["id"]), codes[k % len(codes)])
    return project


CASES = {
    "codings": ("codings", "--limit", "6"),
    "segments": ("segments", "--limit", "3"),
    "themes": ("report", "themes"),
    "history": ("codebook", "history"),
    "quotes": ("report", "quotes", "--per-code", "1", "--code", "dark-humour"),
}


def _blank(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "<when>     ", text)


@pytest.mark.parametrize("width", [80, 120])
def test_tables_fit_the_terminal(run: Run, coded: Path, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    for name, args in CASES.items():
        out = run(*args).stdout
        assert max(len(line) for line in out.splitlines()) <= width, name
        path = GOLDEN / f"{name}_{width}.txt"
        if os.environ.get("QUALCODE_UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_blank(out), encoding="utf-8")
        assert _blank(out) == path.read_text(encoding="utf-8"), f"{path.name} differs from the golden file"


@pytest.mark.parametrize("width", [60, 80, 120, 200])
def test_ids_and_numbers_are_never_cut(run: Run, coded: Path, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    rows = json.loads(run("codings", "--limit", "30", "--format", "json").stdout)
    assert len(rows) == 30  # --limit, like segments
    out = run("codings", "--limit", "30").stdout
    words = set(out.split())
    for r in rows:
        assert r["code_id"] in words and str(r["id"]) in words and f"{r['start']}-{r['end']}" in words
    themes = run("report", "themes").stdout
    assert "…" not in themes and "…" not in out
    assert all(w in themes.replace(":", "").split() for w in ("segments", "sources", "speakers"))  # headers whole
    versions = run("codebook", "history").stdout
    assert "em_peer_support_v2_with_a_long_file_name.yaml" in versions.replace("\n", "").replace("│", "").replace(
        " ", "") or "em_peer_support_v2_with_a_long_file_name.yaml" in versions


def test_a_narrow_terminal_gets_one_record_per_block(run: Run, coded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    out = run("codings", "--limit", "2").stdout
    assert "┃" not in out
    blocks = [b for b in out.split("\n\n") if b.strip()]
    assert len(blocks) == 2 and all(b.lstrip().startswith("id: ") for b in blocks)
