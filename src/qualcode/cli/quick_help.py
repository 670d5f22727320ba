"""``qualcode --help`` and ``qualcode COMMAND --help`` without importing Typer.

Importing Typer and the Click it vendors takes six to nine times as long as starting Python, so
a Typer command line cannot show its help within the start-up target (issue 20). The entry
point (:mod:`qualcode.cli.entry`) asks :func:`answer` first. A help page here is the list of
calls Click's help formatter received while Click wrote that page (:data:`help_pages.PAGES`,
recorded from the Typer app by :func:`record_pages`, the only code here that imports Typer);
:class:`Formatter` replays them with Click's own wrapping rules at the width Click would choose,
so the output is Click's, byte for byte. tests/test_quick_help.py checks every page at every
width Click can choose, and that the stored pages are the app's (after changing a help text:
``python -m qualcode.cli.quick_help`` rewrites them).

Only a plain help request is answered here: known global and group options, command names,
then ``--help`` or ``-h`` last. Anything else (a value or an unknown word after the command, an
eager option such as ``--version``, shell completion) goes to Typer, which is always right.
"""

from __future__ import annotations

import os
import sys

# Not `from typing import TYPE_CHECKING`: importing typing costs a sixth of the time budget.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from textwrap import TextWrapper
    from typing import Any, Iterator, Sequence

    import typer

    # A page: "ops" (the formatter calls), "help" (the help option's names on that page),
    # "options" (each option that may come before --help → how many values it takes), and
    # "commands" (the group's command names, in order).
    Page = dict[str, Any]

# The program name in recorded usage lines; the running one replaces it.
RECORDED_PROG = "qualcode"
# Click's HelpFormatter: at most 80 columns, minus 2, and never fewer than 50.
MAX_WIDTH = 80


def answer(argv: Sequence[str]) -> bool:
    """Print the help page ``argv`` asks for, exactly as Typer would, and return True; return
    False (having printed nothing) for anything that is not a plain help request."""
    if not argv or not argv[-1].startswith("-") or sys.platform == "win32" or sys.stdout is None:
        return False  # (Click's Windows console output and argument globbing differ)
    prog = program_name()
    if f"_{prog}_COMPLETE".replace("-", "_").upper() in os.environ:
        return False  # shell completion: Typer's
    if "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION" in os.environ:
        return False  # (Typer's completion options then read differently in --help)
    from qualcode.cli import help_pages

    pages: dict[str, Page] = help_pages.PAGES
    key = match(pages, argv)
    if key is None:
        return False
    text = render(pages[key]["ops"], prog, help_width()) + "\n"
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if not text.isascii() and encoding != "utf8":
        return False  # Click re-encodes a misconfigured stream: leave that to Click
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `qualcode --help | head -1`: quietly, with Click's status
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    return True


def match(pages: dict[str, Page], argv: Sequence[str]) -> str | None:
    """The page ``argv`` asks for ("" for the top level, "codebook add" …), or None."""
    key, page = "", pages[""]
    tokens = list(argv)
    while tokens:
        token = tokens.pop(0)
        if token in page["help"]:
            return key if not tokens else None  # (a word after --help: Click may object)
        values = page["options"].get(token)
        if values is not None:
            if len(tokens) < values:
                return None
            del tokens[:values]
            continue
        name, eq, _ = token.partition("=")
        if token.startswith("--") and eq and page["options"].get(name) == 1:
            continue  # `--db=FILE`
        if token in page["commands"]:
            key = f"{key} {token}".strip()
            page = pages[key]
            continue
        return None
    return None


def program_name() -> str:
    """The program name Click shows in "Usage:" (click.utils._detect_program_name)."""
    main = sys.modules["__main__"]
    path = sys.argv[0]
    package = getattr(main, "__package__", None)
    if package in {None, ""} or (os.name == "nt" and package == "" and not os.path.exists(path)
                                 and os.path.exists(f"{path}.exe")):
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = package if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


def help_width(max_width: int = MAX_WIDTH) -> int:
    """The width Click formats help at: the terminal's columns as ``shutil.get_terminal_size``
    finds them (COLUMNS, else the terminal behind stdout, else 80), within 50..max_width-2.
    (shutil itself costs more to import than everything else here.)"""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max(min(columns, max_width) - 2, 50)


METHODS = {"write": "write", "indent": "indent", "dedent": "dedent", "heading": "write_heading",
           "paragraph": "write_paragraph", "text": "write_text", "dl": "write_dl"}


def render(ops: Sequence[tuple[Any, ...]], prog: str, width: int) -> str:
    """A recorded page as Click's ``ctx.get_help()`` returns it."""
    formatter = Formatter(width)
    for op, *args in ops:
        if op == "usage":
            path, usage_args, prefix = args
            formatter.write_usage(prog + path, usage_args, prefix)
        elif op == "commands":
            rows, col_max, col_spacing = args
            limit = formatter.width - 6 - max(len(name) for name, _, _ in rows)
            formatter.write_dl([(name, short_help(text, limit) if shorten else text)
                                for name, text, shorten in rows], col_max, col_spacing)
        else:
            getattr(formatter, METHODS[op])(*args)
    return formatter.getvalue().rstrip("\n")


# Click's formatting (click/formatting.py, _textwrap.py, utils.make_default_short_help;
# BSD-3-Clause, © Pallets), as Typer's vendored copy has it. Help texts hold no ANSI codes
# (record_pages checks), so a text's length is its width on the terminal.


_WRAPPER: type[TextWrapper] | None = None


def _wrapper(width: int, initial_indent: str, subsequent_indent: str) -> TextWrapper:
    """click._textwrap.TextWrapper: a word longer than the line is cut where the line ends."""
    global _WRAPPER
    if _WRAPPER is None:
        import textwrap  # (with re: imported only when a page is drawn)

        class Wrapper(textwrap.TextWrapper):
            def _handle_long_word(self, reversed_chunks: list[str], cur_line: list[str], cur_len: int,
                                  width: int) -> None:
                space_left = max(width - cur_len, 1)
                last = reversed_chunks[-1]
                cur_line.append(last[:space_left])
                reversed_chunks[-1] = last[space_left:]

        _WRAPPER = Wrapper
    return _WRAPPER(width, initial_indent=initial_indent, subsequent_indent=subsequent_indent,
                    replace_whitespace=False)


def wrap_text(text: str, width: int = 78, initial_indent: str = "", subsequent_indent: str = "",
              preserve_paragraphs: bool = False) -> str:
    """click.formatting.wrap_text: paragraphs rewrapped, a ``\\b`` paragraph kept as written."""
    text = text.expandtabs()
    if not preserve_paragraphs:
        return _wrapper(width, initial_indent, subsequent_indent).fill(text)
    paragraphs: list[tuple[int, bool, str]] = []
    buf: list[str] = []
    indent: int | None = None

    def flush() -> None:
        if not buf:
            return
        if buf[0].strip() == "\b":
            paragraphs.append((indent or 0, True, "\n".join(buf[1:])))
        else:
            paragraphs.append((indent or 0, False, " ".join(buf)))
        del buf[:]

    for line in text.splitlines():
        if not line:
            flush()
            indent = None
        else:
            if indent is None:
                stripped = line.lstrip()
                indent = len(line) - len(stripped)
                line = stripped
            buf.append(line)
    flush()
    out = []
    for extra, raw, paragraph in paragraphs:
        first, rest = initial_indent + " " * extra, subsequent_indent + " " * extra
        if raw:
            out.append("\n".join(f"{first if i == 0 else rest}{line}"
                                 for i, line in enumerate(paragraph.splitlines())))
        else:
            out.append(_wrapper(width, first, rest).fill(paragraph))
    return "\n\n".join(out)


def short_help(text: str, limit: int) -> str:
    """click.utils.make_default_short_help: the first sentence, or the words that fit in
    ``limit`` followed by "..."."""
    end = text.find("\n\n")
    words = (text[:end] if end != -1 else text).split()
    if not words:
        return ""
    if words[0] == "\b":
        words = words[1:]
    total, last = 0, len(words) - 1
    for i, word in enumerate(words):
        total += len(word) + (i > 0)
        if total > limit:
            break
        if word[-1] == ".":
            return " ".join(words[: i + 1])
        if total == limit and i != last:
            break
    else:
        return " ".join(words)
    total += len("...")
    while i > 0:
        total -= len(words[i]) + (i > 0)
        if total <= limit:
            break
        i -= 1
    return " ".join(words[:i]) + "..."


class Formatter:
    """click.formatting.HelpFormatter, for the calls a help page makes."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.current_indent = 0
        self.buffer: list[str] = []

    def write(self, string: str) -> None:
        self.buffer.append(string)

    def indent(self) -> None:
        self.current_indent += 2

    def dedent(self) -> None:
        self.current_indent -= 2

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        prefix = "Usage: " if prefix is None else prefix
        usage_prefix = f"{prefix:>{self.current_indent}}{prog} "
        text_width = self.width - self.current_indent
        if text_width >= len(usage_prefix) + 20:
            indent = " " * len(usage_prefix)
            self.write(wrap_text(args, text_width, initial_indent=usage_prefix, subsequent_indent=indent))
        else:
            self.write(usage_prefix)
            self.write("\n")
            indent = " " * (max(self.current_indent, len(prefix)) + 4)
            self.write(wrap_text(args, text_width, initial_indent=indent, subsequent_indent=indent))
        self.write("\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}:\n")

    def write_paragraph(self) -> None:
        if self.buffer:
            self.write("\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, initial_indent=indent, subsequent_indent=indent,
                             preserve_paragraphs=True))
        self.write("\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        first_col = min(max(len(first) for first, _ in rows), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - len(first)))
            else:
                self.write("\n")
                self.write(" " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = wrap_text(second, text_width, preserve_paragraphs=True).splitlines()
            if lines:
                self.write(f"{lines[0]}\n")
                for line in lines[1:]:
                    self.write(f"{'':>{first_col + self.current_indent}}{line}\n")
            else:
                self.write("\n")

    def getvalue(self) -> str:
        return "".join(self.buffer)


# Recording, from the Typer app (development time only: the one part that imports Typer).


def record_pages(app: typer.Typer) -> dict[str, Page]:
    """Every help page of ``app``, keyed by command path ("", "codebook", "codebook add" …)."""
    import typer.main

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name=RECORDED_PROG, **root.context_settings)
    return dict(_walk(root, ctx, ""))


def _walk(command: Any, ctx: Any, key: str) -> Iterator[tuple[str, Page]]:
    from typer._click import HelpFormatter

    if ctx.formatter_class is not HelpFormatter or ctx.terminal_width or ctx.max_content_width:
        raise ValueError(f"`{key}`: a custom help formatter or width is not replayed by quick_help")
    names = [name for name in getattr(command, "commands", {})]
    recorder = _recorder(command)
    command.format_help(ctx, recorder)
    options = {}
    for param in command.get_params(ctx):
        if param.param_type_name != "option" or param.is_eager or getattr(param, "_flag_needs_value", False):
            continue  # an eager option (--help, --version) acts where it is read: Typer's business
        takes = 0 if param.is_flag or param.count else param.nargs
        options.update({opt: takes for opt in [*param.opts, *param.secondary_opts]})
    help_names = command.get_help_option_names(ctx) if command.add_help_option else []
    yield key, {"ops": tuple(recorder.ops), "help": tuple(sorted(help_names)), "options": options,
                "commands": tuple(names)}
    for name in names:
        sub = command.commands[name]
        sub_ctx = sub.context_class(sub, info_name=name, parent=ctx, **sub.context_settings)
        yield from _walk(sub, sub_ctx, f"{key} {name}".strip())


def _recorder(command: Any) -> Any:
    """A Click HelpFormatter that also notes each call a help page makes (not the calls its
    own methods make to each other)."""
    from typer._click import HelpFormatter

    class Recorder(HelpFormatter):
        def __init__(self) -> None:
            super().__init__(width=78)
            self.ops: list[tuple[Any, ...]] = []
            self.depth = 0
            self.heading = ""

        def note(self, op: tuple[Any, ...]) -> None:
            if any("\x1b" in text for text in _texts(op)):
                raise ValueError("quick_help replays plain text (a text's length is its width): no ANSI codes")
            if self.depth == 0:
                self.ops.append(op)

        def call(self, op: tuple[Any, ...], method: Any, *args: Any) -> None:
            self.note(op)
            self.depth += 1
            try:
                method(*args)
            finally:
                self.depth -= 1

        def write(self, string: str) -> None:
            self.call(("write", string), super().write, string)

        def indent(self) -> None:
            self.call(("indent",), super().indent)

        def dedent(self) -> None:
            self.call(("dedent",), super().dedent)

        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            if not prog.startswith(RECORDED_PROG):
                raise ValueError(f"usage {prog!r} does not start with the program name")
            self.call(("usage", prog[len(RECORDED_PROG):], args, prefix), super().write_usage, prog, args, prefix)

        def write_heading(self, heading: str) -> None:
            self.heading = heading
            self.call(("heading", heading), super().write_heading, heading)

        def write_paragraph(self) -> None:
            self.call(("paragraph",), super().write_paragraph)

        def write_text(self, text: str) -> None:
            self.call(("text", text), super().write_text, text)

        def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
            rows = list(rows)
            op: tuple[Any, ...]
            if self.heading == "Commands" and all(name in getattr(command, "commands", {}) for name, _ in rows):
                op = ("commands", tuple(_command_row(command, rows, name, text, self.width) for name, text in rows),
                      col_max, col_spacing)
            else:
                op = ("dl", tuple(rows), col_max, col_spacing)
            self.call(op, super().write_dl, rows, col_max, col_spacing)

    return Recorder()


def _texts(item: Any) -> Iterator[str]:
    if isinstance(item, str):
        yield item
    elif isinstance(item, tuple):
        for part in item:
            yield from _texts(part)


def _command_row(group: Any, rows: list[tuple[str, str]], name: str, text: str, width: int) -> tuple[str, str, bool]:
    """A "Commands:" row as (name, text, shorten): the summary is shortened to fit the width
    at replay, as Click's ``get_short_help_str(limit)`` does."""
    sub = group.commands[name]
    limit = width - 6 - max(len(row[0]) for row in rows)
    if sub.deprecated:
        raise ValueError(f"`{name}`: a deprecated command's line is not replayed by quick_help")
    if sub.short_help or not sub.help:
        return name, text, False  # (as written: no shortening)
    if text != short_help(sub.help, limit):
        raise ValueError(f"`{name}`: its line in Commands is not Click's short help")
    return name, sub.help[: sub.help.find("\n\n")] if "\n\n" in sub.help else sub.help, True


def write_pages() -> str:
    """Record the app's help pages into help_pages.py (beside this module); return its path."""
    from pprint import pformat

    from qualcode.cli.main import app

    target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "help_pages.py")
    text = ('"""Every help page of `qualcode`, as the calls Click\'s help formatter receives (see\n'
            "quick_help.py). Written by `python -m qualcode.cli.quick_help`: do not edit by hand;\n"
            'tests/test_quick_help.py fails when it differs from the app."""\n\n'
            "# (No typing.Any: importing typing would cost more than reading the pages.)\n"
            f"PAGES: dict[str, dict[str, object]] = {pformat(record_pages(app), width=110, sort_dicts=False)}\n")
    with open(target, "w", encoding="utf-8") as out:
        out.write(text)
    return target


if __name__ == "__main__":
    print(write_pages())  # (a development command: the one print here)
