"""``qualcode review --disagreements``: the reconciliation screen and its key loop.

Keys come from the review's :class:`~qualcode.cli.review_cmd.Keys` reader (single key
presses on a terminal, one line per key otherwise). The logic is in
:mod:`qualcode.coding.reconcile`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from qualcode.errors import QualcodeError
from qualcode.render.terminal import plain, styled

if TYPE_CHECKING:
    from qualcode.cli.review_cmd import Keys
    from qualcode.coding.reconcile import CoderDecision, Disagreement, ReconcileSession

KEYS = (("y", "code it"), ("n", "do not code it"), ("s", "skip"), ("u", "undo"), ("q", "quit"), ("?", "help"))


def help_line() -> Text:
    """The keys, each in bold, dim (the console never reads markup: transcripts hold brackets)."""
    parts: list[str | tuple[str, str]] = []
    for key, label in KEYS:
        parts += [(key, "bold dim"), (f" {label}  " if key != "?" else f" {label}", "dim")]
    return styled(*parts)


def _cell(d: "CoderDecision") -> Text:
    """What one coder decided, every word of theirs shown as written (``plain``)."""
    if d.coded:
        text = plain("coded", "bold green")
        text.append(" the whole turn" if not d.words else "")
        for words in d.words:
            text.append_text(plain(f"\n“{words}”"))
    else:
        text = plain("not coded", "bold red")
        if d.rejected_suggestion:
            text.append("\n(rejected the suggestion)")
    for memo in d.memos:
        text.append_text(plain(f"\nmemo: {memo}", "italic"))
    return text


def render(console: Console, session: "ReconcileSession", item: "Disagreement", left: int) -> None:
    from qualcode.cli.review_cmd import show_turn

    t = session.tally
    console.rule(f"Reconcile · {t.coded + t.not_coded} decided · {left} left · as {session.consensus}")
    show_turn(console, item.segment_id, item.turn, plain(item.turn.text))
    console.print(styled("Code: ", (item.code_id, "bold"), f" {item.code_name}"))
    table = Table(expand=True)
    for d in item.decisions:
        table.add_column(plain(d.coder), ratio=1)
    table.add_row(*(_cell(d) for d in item.decisions))
    console.print(table)
    console.print(help_line())


def run_reconcile(session: "ReconcileSession", console: Console, keys: "Keys") -> None:
    """One disagreement at a time until none is left or the user quits."""
    while True:
        left = session.queue()
        item = session.next_item() if left else None
        if item is None:
            console.print("No disagreements left to reconcile.")
            if not session.can_undo:
                break
            console.print(styled(("u", "bold dim"), (" undo the last decision, any other key to finish", "dim")))
            if keys.read_key() != "u":
                break
            session.undo()
            console.print("Undone.")
            continue
        render(console, session, item, len(left))
        key = keys.read_key()
        if key == "q":
            break
        try:
            _act(session, console, keys, item, key)
        except QualcodeError as exc:
            console.print(plain(str(exc), "red"))
    t = session.tally
    console.print(f"This session: {t.coded} coded, {t.not_coded} not coded (as {session.consensus}), "
                  f"{t.memos} memo(s), {t.undone} undone. {len(session.queue())} disagreement(s) left.")


def _act(session: "ReconcileSession", console: Console, keys: "Keys", item: "Disagreement", key: str) -> None:
    if key in ("y", "n"):
        reason = keys.ask("Reason (a memo on the decision; Enter for none): ", [])
        session.decide(item, coded=key == "y", reason=reason)
        verdict = "coded" if key == "y" else "not coded"
        console.print(f"{item.code_id} on segment {item.segment_id}: {verdict} ({session.consensus})")
    elif key == "s":
        session.skip(item)
    elif key == "u":
        console.print("Undone." if session.undo() else "Nothing to undo in this session "
                      "(`qualcode undo` undoes earlier decisions).")
    else:
        if key not in ("?", "h"):
            console.print(f"Unknown key {repr(key)}.")
        console.print(help_line())
