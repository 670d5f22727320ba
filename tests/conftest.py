"""Shared fixtures. Every test runs in its own folder with its own project, isolated from
the user's environment (QUALCODE_DB / QUALCODE_CODER), with Rich's width pinned."""

from __future__ import annotations


from pathlib import Path
from typing import Any, Callable

import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_transcripts"
CODEBOOKS = REPO / "codebooks"
SHARED = REPO.parent / "shared"
# A worktree beside other worktrees has no ../shared: QUALCODE_SHARED names the folder then.
SHARED = Path(__import__("os").environ.get("QUALCODE_SHARED") or SHARED)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a temp folder; no user settings leak in."""
    monkeypatch.chdir(tmp_path)
    for var in ("QUALCODE_DB", "QUALCODE_CODER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    # The semantic layer (an optional extra) is off unless a test turns it on, so that every
    # other test gives the same suggestions with and without the extra installed.
    monkeypatch.setenv("QUALCODE_EMBEDDINGS", "off")
    return tmp_path


class Run:
    """Invoke the CLI in-process and fail loudly on an unexpected exit code."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, input: str | None = None) -> Any:
        result = self.runner.invoke(app, [str(a) for a in args], input=input)
        if result.exit_code != code:
            raise AssertionError(
                f"qualcode {' '.join(map(str, args))} exited {result.exit_code}, expected {code}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\nexception: {result.exception!r}"
            )
        if code == 0 and result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result


@pytest.fixture
def run() -> Run:
    return Run()


@pytest.fixture
def project(run: Run, tmp_path: Path) -> Path:
    """An initialised, empty project at ./qualcode.db."""
    run("init")
    return tmp_path / "qualcode.db"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        return write(tmp_path / name, text, encoding)
    return _write


@pytest.fixture
def em_project(run: Run, project: Path) -> Path:
    """The EM peer-support study: two sources, participants and codebook loaded."""
    run("ingest", SAMPLES / "em_peer_support_fg1.txt", SAMPLES / "em_peer_support_fg2.txt")
    run("participants", "import", SAMPLES / "participants_em.csv")
    run("codebook", "load", CODEBOOKS / "em_peer_support.yaml")
    return project


def db_snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: to prove that a failed command changed nothing."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(conn.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def shared_or_skip(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not present (the shared test data lives beside the repository)")
    return path



def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of one SQL query against a project file (tests look at the database directly)."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def break_deflate(path: Path, member: str) -> None:
    """Damage one byte of ``member``'s compressed data in the zip at ``path`` so that reading
    it raises zlib.error (not the CRC's BadZipFile): what a damaged download or disk gives."""
    import zipfile
    import zlib

    data = path.read_bytes()
    info = zipfile.ZipFile(path).getinfo(member)
    start = info.header_offset + 30 + len(info.filename)  # the compressed data, after the local header
    for at in range(start + info.compress_size // 2, start + info.compress_size):
        path.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
        try:
            with zipfile.ZipFile(path) as zf:
                zf.read(member)
        except zlib.error:
            return
        except zipfile.BadZipFile:
            continue
    pytest.fail(f"no single damaged byte of {member} gave a zlib error")
