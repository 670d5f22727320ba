"""Commands that are imported only when they are used.

``qualcode --help`` lists every command but runs none, so it should not pay for importing them
(each command module pulls in its library code, Rich, and so on). :class:`LazyCommands` is the
root group's ``commands`` mapping: its keys are every command's name, and a command's module is
imported the first time the command itself is looked up (to run it, show its help or complete
it). The listing in ``qualcode --help`` takes each summary from ``main.COMMANDS`` instead.
"""

from __future__ import annotations

import importlib
from typing import Any, Iterator, Mapping, MutableMapping

import typer
import typer.main
from typer._click import Command, HelpFormatter
from typer._click.utils import make_default_short_help
from typer.core import TyperArgument, TyperOption


def load_command(name: str, target: str) -> Command:
    """The Click command for ``target`` ("module:attribute": a command function or a Typer app),
    built as Typer would build it under the root app (plain-text help: no Rich markup mode)."""
    module_name, _, attribute = target.partition(":")
    obj = getattr(importlib.import_module(module_name), attribute)
    holder = typer.Typer(rich_markup_mode=None)
    holder.callback()(_no_options)  # a callback makes the holder a group, so `name` is kept
    if isinstance(obj, typer.Typer):
        holder.add_typer(obj, name=name)
    else:
        holder.command(name)(obj)
    group = typer.main.get_command(holder)
    return readable_help(group.commands[name])  # type: ignore[attr-defined]


def _no_options() -> None:
    """(The lazy holder's callback: never invoked.)"""


class LazyCommands(MutableMapping[str, Command]):
    """Loaded commands first, then the lazy ones in ``lazy``'s order; each loads once."""

    def __init__(self, loaded: Mapping[str, Command], lazy: Mapping[str, tuple[str, str]]) -> None:
        self.loaded: dict[str, Command] = dict(loaded)
        self.lazy = {name: spec for name, spec in lazy.items() if name not in self.loaded}
        self.order = [*self.loaded, *self.lazy]

    def __getitem__(self, name: str) -> Command:
        if name not in self.loaded:
            if name not in self.lazy:
                raise KeyError(name)
            self.loaded[name] = load_command(name, self.lazy[name][0])
        return self.loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        if name not in self.order:
            self.order.append(name)
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self.loaded.pop(name, None)
        self.lazy.pop(name, None)
        self.order.remove(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)

    def __contains__(self, name: object) -> bool:
        return name in self.order

    def summary(self, name: str, limit: int) -> str:
        """The command's line in ``--help``, without importing a command not loaded yet."""
        if name in self.loaded:
            return self.loaded[name].get_short_help_str(limit)
        return make_default_short_help(self.lazy[name][1], limit)

    def hidden(self, name: str) -> bool:
        return name in self.loaded and self.loaded[name].hidden


def format_lazy_commands(commands: Any, formatter: HelpFormatter) -> None:
    """Click's "Commands:" section (same layout and truncation), from :meth:`LazyCommands.summary`."""
    names = [name for name in commands if not commands.hidden(name)]
    if not names:
        return
    limit = formatter.width - 6 - max(len(name) for name in names)
    with formatter.section("Commands"):
        formatter.write_dl([(name, commands.summary(name, limit)) for name in names])


# The word after an option in `--help` (`--code CODE`), by the option's parameter name; an option
# not named here gets one from its type (FILE, N, NUMBER, TEXT). Typer 0.2x shows the Python type
# instead (`--code <list[str]>`, `--start <int range>`), which tells a researcher nothing.
OPTION_METAVARS: dict[str, str] = {
    "code": "CODE", "code_id": "CODE", "under": "CODE", "new": "NAME",
    "coder": "CODER", "by": "CODER", "author": "CODER", "gold_coder": "CODER", "consensus": "CODER",
    "coders": "CODERS", "coding": "CODING_ID", "segment": "SEGMENT_ID", "source": "SOURCE",
    "speaker": "SPEAKER", "group": "GROUP", "fmt": "FORMAT", "parser": "FORMAT", "model": "MODEL",
    "db": "FILE", "since": "DATE", "status": "STATUS", "action": "ACTION", "speaker_pattern": "REGEX",
    "min_score": "SCORE", "max_score": "SCORE", "seed": "N", "version": "N",
    "image": "KIND", "view": "VIEW", "count": "WHAT", "percent": "OF", "order": "ORDER",
    "positions": "UNIT", "segments": "KIND", "unit": "UNIT",
}
_BY_TYPE = {"int": "N", "float": "NUMBER", "path": "FILE"}


class ReadableArgument(TyperArgument):
    """An argument shown as Click shows it: ``SEGMENT_ID`` (required), ``[CODE_ID]``, ``FILES...``,
    without Typer 0.2x's braces and Python type (``{segment_id}``, ``<str>``)."""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        name = name if self.required else f"[{name}]"
        return f"{name}..." if self.nargs != 1 else name

    def _rich_display_name(self) -> str:
        return f"{self.display_name_raw}..." if self.nargs != 1 else self.display_name_raw

    def display_type_rich(self, ctx: Any) -> str | None:
        desc = self.type_descriptor
        if desc.is_choice:  # the words it takes: `ROLE [facilitator|participant]`
            return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + "]"
        return None


def _option_metavar(option: TyperOption) -> str:
    desc = option.type_descriptor
    if desc.is_choice:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + "]"
    if option.name in OPTION_METAVARS:
        return OPTION_METAVARS[option.name]
    if option.name == "attr":  # `ingest --attr key=value`; `report quotes --attr NAME`
        return "KEY=VALUE" if "=" in (option.help or "") else "ATTR"
    label = option.display_type(None)  # type: ignore[arg-type]  # (ctx is read for choices only)
    label = label.strip("<>").removeprefix("list[").removesuffix("]")
    return _BY_TYPE.get(label.split()[0].lower(), "TEXT")


def readable_help(command: Command) -> Command:
    """Give ``command`` (and a group's subcommands) the words a person reads in ``--help``: an
    option's metavar (:data:`OPTION_METAVARS`), an argument's upper-case name. A metavar given
    in the command's own code is kept."""
    for param in command.params:
        if isinstance(param, TyperArgument):
            if param.metavar is None:
                param.metavar = (param.name or "").upper()
            param.__class__ = ReadableArgument
        elif isinstance(param, TyperOption) and not param.is_flag and not param.count and param.metavar is None:
            param.metavar = _option_metavar(param)
    for sub in getattr(command, "commands", {}).values():
        readable_help(sub)
    return command
