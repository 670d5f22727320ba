"""Two qualcode processes against one project: every decision survives (issue 19 point 2).

Deterministic races. Process 1 runs a command in a forked process whose connection pauses
at the moment it first asks for the write lock (its first ``BEGIN IMMEDIATE``, ``INSERT``,
``UPDATE`` or ``DELETE``; watched with SQLite's statement trace, so no hook in the product
and the same test runs against any version). While it waits, process 2 runs its command to
completion; then process 1 resumes. A command that read the state before the pause and
writes from that stale reading loses or overwrites process 2's decisions, and this shows it
every time rather than once in a thousand runs.

The review's window is the researcher's think time: the scripted key reader lets another
coder's ``accept`` run (in another process) between showing a segment and the key press.

``QUALCODE_RACE_RUNS=100 pytest tests/test_concurrency.py`` runs every race 100 times.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from qualcode.cli.main import app
from tests.conftest import query as q

RUNS = range(int(os.environ.get("QUALCODE_RACE_RUNS", "1")))
FORK = multiprocessing.get_context("fork")
WAIT = 120  # seconds; a race that takes this long is a deadlock, reported as such
ASKS_FOR_WRITE_LOCK = re.compile(r"\s*(BEGIN\s+(IMMEDIATE|EXCLUSIVE)|INSERT|UPDATE|DELETE|REPLACE)\b", re.I)

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the races fork processes (POSIX only)")

FG1 = """\
Ana: I am so tired after the night shift, completely exhausted.
Ben: Talking to my peers helped me a lot.
Ana: My peer group keeps me going when I am exhausted.
Ben: The coffee machine is broken again.
Ana: Exhausted, again, and my peer laughed.
"""
FG2 = """\
Cleo: Exhausted is the word for it.
Dev: A peer of mine covered my shift.
Cleo: We should talk to the manager.
"""
CODEBOOK = """\
codes:
  - id: exhaustion
    name: Exhaustion
    keywords: [exhausted]
  - id: support
    name: Peer support
    keywords: [peer]
"""
# The same codes; nothing fires for support any more, so its pending suggestions go stale.
EDITED = CODEBOOK.replace("keywords: [peer]", "keywords: [zebra]").replace("Peer support", "Zebra stripes")


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    exception: str | None


def invoke(args: list[str]) -> Outcome:
    result = CliRunner().invoke(app, args)
    exc = result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr,
                   None if exc is None or isinstance(exc, SystemExit) else repr(exc))


def _pause_at_first_write(paused: Any, resume: Any) -> None:
    """Make every project this process opens stop before its first request for the write
    lock, until the test says go on."""
    import qualcode.project as project

    real = project.open_project

    def open_and_watch(path: Path) -> Any:
        db = real(path)
        fired = False

        def watch(sql: str) -> None:
            nonlocal fired
            if not fired and ASKS_FOR_WRITE_LOCK.match(sql):
                fired = True
                paused.set()
                resume.wait(WAIT)

        db.conn.set_trace_callback(watch)
        return db

    project.open_project = open_and_watch  # type: ignore[assignment]


def _child(args: list[str], paused: Any, resume: Any, results: Any) -> None:
    if paused is not None:
        _pause_at_first_write(paused, resume)
    results.put(invoke(args))


def run_elsewhere(args: list[str]) -> Outcome:
    """Run a command to completion in another process."""
    results = FORK.Queue()
    proc = FORK.Process(target=_child, args=(args, None, None, results))
    proc.start()
    out: Outcome = results.get(timeout=WAIT)
    proc.join(WAIT)
    return out


def race(first: list[str], second: list[str]) -> tuple[Outcome, Outcome]:
    """``first`` pauses at its first write; ``second`` runs whole; then ``first`` goes on."""
    paused, resume, results = FORK.Event(), FORK.Event(), FORK.Queue()
    proc = FORK.Process(target=_child, args=(first, paused, resume, results))
    proc.start()
    while not paused.wait(0.02):
        assert proc.is_alive() or not results.empty(), "process 1 died before writing"
        if not results.empty():
            break  # it finished without writing anything: nothing to race
    out2 = run_elsewhere(second)
    resume.set()
    out1: Outcome = results.get(timeout=WAIT)
    proc.join(WAIT)
    return out1, out2


# Projects --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Projects built once and copied for each race: ``fresh`` (sources and codebook),
    ``pending`` (suggested, nothing decided), ``stale`` (pending, then a codebook edit that
    makes support's suggestions stale)."""
    folder = tmp_path_factory.mktemp("bases")
    (folder / "fg1.txt").write_text(FG1)
    (folder / "fg2.txt").write_text(FG2)
    (folder / "cb.yaml").write_text(CODEBOOK)
    (folder / "edited.yaml").write_text(EDITED)
    out = {name: folder / f"{name}.db" for name in ("fresh", "pending", "stale")}
    steps = {"fresh": [["init"], ["ingest", folder / "fg1.txt", folder / "fg2.txt"],
                       ["codebook", "load", folder / "cb.yaml"]],
             "pending": [["suggest"]],
             "stale": [["codebook", "load", folder / "edited.yaml", "--yes"]]}
    previous: Path | None = None
    for name, path in out.items():
        if previous is not None:
            copy(previous, path)
        for step in steps[name]:
            result = invoke(["--db", str(path), *map(str, step)])
            assert result.code == 0, (step, result)
        previous = path
    return out


def copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as a, sqlite3.connect(target) as b:
        a.backup(b)
    a.close()
    b.close()


@pytest.fixture
def fresh(bases: dict[str, Path], tmp_path: Path) -> Path:
    copy(bases["fresh"], tmp_path / "p.db")
    return tmp_path / "p.db"


@pytest.fixture
def pending(bases: dict[str, Path], tmp_path: Path) -> Path:
    copy(bases["pending"], tmp_path / "p.db")
    return tmp_path / "p.db"


@pytest.fixture
def stale(bases: dict[str, Path], tmp_path: Path) -> Path:
    copy(bases["stale"], tmp_path / "p.db")
    return tmp_path / "p.db"


def decided(db: Path) -> set[tuple[int, str, str | None]]:
    return set(q(db, "SELECT id, status, coder FROM codings WHERE status IN ('accepted', 'rejected')"))


# Races -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", RUNS)
def test_suggest_never_withdraws_a_suggestion_accepted_while_it_ran(stale: Path, n: int) -> None:
    db = str(stale)
    pending = q(stale, "SELECT id FROM codings WHERE status = 'suggested' ORDER BY id")
    assert len(pending) > 1
    suggest, accept = race(["--db", db, "suggest"], ["--db", db, "--coder", "alice", "accept"])
    assert accept.code == 0 and f"Accepted {len(pending)} suggestions as alice" in accept.stderr, accept
    assert suggest.code == 0 and suggest.exception is None, suggest
    assert q(stale, "SELECT id FROM codings WHERE status = 'accepted' AND coder = 'alice' ORDER BY id") == pending
    assert q(stale, "SELECT count(*) FROM codings WHERE status = 'suggested'") == [(0,)]


@pytest.mark.parametrize("n", RUNS)
@pytest.mark.parametrize("first, second", [("accept", "reject"), ("reject", "accept")])
def test_a_bulk_decision_never_overwrites_one_committed_while_it_waited(
        pending: Path, first: str, second: str, n: int) -> None:
    db = str(pending)
    [(n,)] = q(pending, "SELECT count(*) FROM codings WHERE status = 'suggested'")
    assert n > 1
    one, two = race(["--db", db, "--coder", "alice", first], ["--db", db, "--coder", "bob", second])
    assert two.code == 0 and f"{second.capitalize()}ed {n} suggestions as bob" in two.stderr, two
    assert one.code == 0 and f"{first.capitalize()}ed 0 suggestions as alice" in one.stderr, one
    status = "accepted" if second == "accept" else "rejected"
    assert q(pending, "SELECT status, coder, count(*) FROM codings GROUP BY status, coder") == [(status, "bob", n)]


@pytest.mark.parametrize("n", RUNS)
def test_two_suggests_at_once_both_succeed_without_duplicates(fresh: Path, n: int) -> None:
    db = str(fresh)
    one, two = race(["--db", db, "suggest"], ["--db", db, "suggest"])
    assert two.code == 0 and "8 new" in two.stderr, two
    # The second found the first's suggestions, the same as its own: nothing new, nothing changed.
    assert one.code == 0 and one.exception is None and "0 new, 0 updated, 0 withdrawn" in one.stderr, one
    assert q(fresh, "SELECT count(*), count(DISTINCT segment_id || code_id) FROM codings") == [(8, 8)]


@pytest.mark.parametrize("n", RUNS)
def test_suggest_while_a_source_is_replaced_says_run_it_again(fresh: Path, tmp_path: Path, n: int) -> None:
    db = str(fresh)
    (tmp_path / "fg1.txt").write_text(FG1.replace("coffee machine", "printer"))
    before = q(fresh, "SELECT count(*) FROM codings")
    suggest, ingest = race(["--db", db, "suggest"], ["--db", db, "ingest", "--replace", str(tmp_path / "fg1.txt")])
    assert ingest.code == 0, ingest
    assert (suggest.code, suggest.exception, suggest.stderr) == (
        1, None, "Error: the project changed while suggesting; run suggest again\n")
    assert q(fresh, "SELECT count(*) FROM codings") == before  # nothing half-written
    assert invoke(["--db", db, "suggest"]).code == 0  # and running it again works


@pytest.mark.parametrize("n", RUNS)
@pytest.mark.parametrize("key", ["r", "a", "R"])
def test_review_never_overwrites_a_decision_made_while_the_segment_was_on_screen(
        pending: Path, key: str, n: int) -> None:
    from qualcode.cli.review_cmd import Keys, run_review
    from qualcode.coding.review import ReviewSession
    from qualcode.project import open_project

    others: list[Outcome] = []
    [(n,)] = q(pending, "SELECT count(*) FROM codings WHERE status = 'suggested'")

    def read_key() -> str:
        if not others:  # bob looks at the first segment; alice accepts everything meanwhile
            others.append(run_elsewhere(["--db", str(pending), "--coder", "alice", "accept"]))
            return key
        return "q"

    console = Console(record=True, width=200, color_system=None)
    session = ReviewSession(open_project(pending), "bob")
    run_review(session, console, Keys(read_key=read_key, ask=lambda prompt, choices: ""))
    session.db.close()
    assert others[0].code == 0 and f"Accepted {n} suggestions as alice" in others[0].stderr
    assert q(pending, "SELECT status, coder, count(*) FROM codings GROUP BY status, coder") == [
        ("accepted", "alice", n)]
    screen = console.export_text()
    assert re.search(r"\w+ on segment \d+ was already accepted by alice meanwhile; "
                     r"left as they decided\.", screen), screen
    assert "This session: 0 accepted, 0 rejected" in screen
