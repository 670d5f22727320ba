"""What every command shares: settings from global options, opening the project, output."""

from __future__ import annotations

import contextlib
import getpass
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import typer

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from rich.console import Console
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
    """The console for data: never reads markup, shows control characters escaped."""
    from qualcode.render.terminal import stdout_console

    return stdout_console()


def say(ctx: typer.Context, message: str, style: str = "") -> None:
    """A status line for people, on stderr so that stdout stays clean for data. The message is
    shown as written (no markup): it often quotes file names, labels or codes."""
    if not settings(ctx).quiet:
        from qualcode.render.terminal import plain, stderr_console

        stderr_console().print(plain(message, style))


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_bar(ctx: typer.Context, total: int, description: str) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on a terminal; nothing when piped or --quiet."""
    if settings(ctx).quiet or not stderr_is_terminal() or total == 0:
        yield lambda n: None
        return
    from rich.console import Console
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
    from rich.console import Console
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


def choose_format(fmt: str | None, output: Path | None, allowed: tuple[str, ...], default: str = "table",
                  *, ctx: typer.Context | None = None) -> str:
    """The format to write: ``--format``, else the output file's suffix, else a table. A suffix
    that names another format than ``--format`` is refused (``-f csv -o x.xlsx``), and so is,
    without ``--format``, a suffix qualcode does not write (``x.pdf``; ``ctx`` lets the open
    project be named first: ``qualcode.db`` is refused as the project, not as a ``.db``)."""
    from qualcode.render import BINARY_FORMATS, SUFFIX_FORMATS

    by_suffix = SUFFIX_FORMATS.get(output.suffix.lower()) if output is not None else None
    if fmt is None:
        fmt = by_suffix or default
        # A suffix qualcode does not write (.pdf, .xls, .odt) would get the default format's
        # bytes under a name that promises another: refused like a known wrong suffix.
        unknown = output is not None and output.suffix != "" and by_suffix is None
        if unknown and output is not None and ctx is not None:
            check_output_path(ctx, output)
        if (fmt not in allowed or unknown) and output is not None:
            raise typer.BadParameter(f"this command cannot write {output.suffix} files; name the file "
                                     + ", ".join(suffix_for(f) for f in allowed), param_hint="--output")
    if fmt not in allowed:
        raise typer.BadParameter(f"choose one of: {', '.join(allowed)}", param_hint="--format")
    if output is not None and by_suffix != fmt and (by_suffix is not None or fmt in BINARY_FORMATS):
        raise typer.BadParameter(f"--format {fmt} contradicts the file name {output.name}; drop --format (the "
                                 f"suffix decides) or name the file {suffix_for(fmt)}", param_hint="--format")
    return fmt


def suffix_for(fmt: str) -> str:
    from qualcode.render import FORMAT_SUFFIXES

    return FORMAT_SUFFIXES.get(fmt, (".txt",))[0]


def require_suffix(output: Path, fmt: str, param_hint: str = "--output") -> None:
    """For commands that write one format: the file name must not say another one."""
    from qualcode.render import FORMAT_SUFFIXES

    if output.suffix.lower() not in FORMAT_SUFFIXES[fmt]:
        raise typer.BadParameter(f"this command writes {fmt.upper()}; name the file {suffix_for(fmt)} "
                                 f"(not {output.name})", param_hint=param_hint)


def check_output_path(ctx: typer.Context, output: Path, *, fmt: str | None = None,
                      inputs: tuple[Path, ...] = ()) -> None:
    """Refuse a bad output path before any work is done (write_file checks again when writing)."""
    from qualcode.output_files import check_output
    from qualcode.render import FORMAT_SUFFIXES

    check_output(output, project=settings(ctx).db_path, inputs=inputs, suffixes=FORMAT_SUFFIXES.get(fmt or "", ()))


def emit(ctx: typer.Context, content: Any, output: Path | None, *, fmt: str | None = None,
         inputs: tuple[Path, ...] = ()) -> None:
    """Print ``content`` (text or a Rich renderable) or write it (also bytes) to ``output``,
    through the one guarded, atomic writer (:mod:`qualcode.output_files`)."""
    if output is None:
        if isinstance(content, bytes):
            raise QualcodeError("this format is binary; pass --output FILE to write it to a file")
        if isinstance(content, str):
            print_text(content)
        else:
            stdout().print(content)
        return
    if not isinstance(content, (str, bytes)):
        from qualcode.render.terminal import to_text

        content = to_text(content)
    write_file(ctx, output, content, fmt=fmt, inputs=inputs)


def print_text(text: str) -> None:
    """Text data on stdout: byte for byte when piped; control characters escaped on a terminal."""
    from qualcode.render.terminal import visible

    sys.stdout.write(visible(text) if sys.stdout.isatty() else text)


def write_file(ctx: typer.Context, output: Path, content: Any, *, fmt: str | None = None,
               inputs: tuple[Path, ...] = (), note: str = "") -> None:
    """Write ``content`` to ``output`` (never over the project or an input; see output_files)."""
    from qualcode.output_files import write_output
    from qualcode.render import FORMAT_SUFFIXES

    if fmt is None:
        from qualcode.render import SUFFIX_FORMATS

        fmt = SUFFIX_FORMATS.get(output.suffix.lower())
    write_output(output, content, project=settings(ctx).db_path, inputs=inputs,
                 suffixes=FORMAT_SUFFIXES.get(fmt or "", ()))
    say(ctx, f"Wrote {output}{note}")


def speaker_count(speakers: int, facilitators: int) -> str:
    """"7 speakers + 1 facilitator": reports leave facilitators out, so they are counted apart."""
    def plural(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    if not facilitators:
        return plural(speakers, "speaker")
    return f"{plural(speakers - facilitators, 'speaker')} + {plural(facilitators, 'facilitator')}"
