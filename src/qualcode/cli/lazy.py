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
    return group.commands[name]  # type: ignore[attr-defined]


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
