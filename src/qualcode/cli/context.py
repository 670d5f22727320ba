"""What every command shares: settings from global options, opening the project, output."""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import typer
from rich.console import Console

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class Settings:
    db: str | None = None
    coder: str | None = None
    quiet: bool = False

    @property
    def db_path(self) -> Path:
        from qualcode.project import resolve_db_path

        return resolve_db_path(self.db)

    @property
    def coder_name(self) -> str:
        if self.coder:
            return self.coder
        try:
            return getpass.getuser()
        except Exception:  # no user name in some containers
            return "unknown"


def settings(ctx: typer.Context) -> Settings:
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


def open_db(ctx: typer.Context) -> "Database":
    from qualcode.project import open_project

    return open_project(settings(ctx).db_path)


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=False)


def say(ctx: typer.Context, message: str) -> None:
    """A status line for people, on stderr so that stdout stays clean for data."""
    if not settings(ctx).quiet:
        Console(stderr=True, highlight=False, soft_wrap=True).print(message)


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_bar(ctx: typer.Context, total: int, description: str) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on a terminal; nothing when piped or --quiet."""
    if settings(ctx).quiet or not stderr_is_terminal() or total == 0:
        yield lambda n: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True, force_terminal=True),
                  transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


@contextlib.contextmanager
def progress_bars(ctx: typer.Context, total: int, descriptions: list[str]) -> Iterator[list[Callable[[int], None]]]:
    """Like ``progress_bar``, one bar per step of a command (each of ``total`` items), in one
    display: a step's bar appears when it first advances."""
    if settings(ctx).quiet or not stderr_is_terminal() or total == 0:
        yield [lambda n: None for _ in descriptions]
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True, force_terminal=True),
                  transient=True) as bar:
        tasks: dict[int, Any] = {}

        def advancer(k: int) -> Callable[[int], None]:
            def advance(n: int) -> None:
                if k not in tasks:
                    tasks[k] = bar.add_task(descriptions[k], total=total)
                bar.advance(tasks[k], n)
            return advance

        yield [advancer(k) for k in range(len(descriptions))]


def choose_format(fmt: str | None, output: Path | None, allowed: tuple[str, ...]) -> str:
    from qualcode.render import SUFFIX_FORMATS

    if fmt is None:
        fmt = SUFFIX_FORMATS.get(output.suffix.lower(), "table") if output is not None else "table"
    if fmt not in allowed:
        raise typer.BadParameter(f"choose one of: {', '.join(allowed)}", param_hint="--format")
    return fmt


def emit(ctx: typer.Context, content: Any, output: Path | None) -> None:
    """Print ``content`` (text or a Rich renderable) or write it to ``output``."""
    if output is None:
        if isinstance(content, str):
            sys.stdout.write(content)
        else:
            stdout().print(content)
        return
    if not isinstance(content, str):
        console = Console(width=int(os.environ.get("QUALCODE_TABLE_WIDTH", "120")), record=True,
                          file=open(os.devnull, "w"), color_system=None)
        console.print(content)
        content = console.export_text()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise QualcodeError(f"cannot write {output} ({exc.strerror}); check the folder and permissions") from None
    say(ctx, f"Wrote {output}")
