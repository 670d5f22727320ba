"""``qualcode review``: judge pending suggestions one segment at a time, with single keys.

Keys come from a :class:`Keys` reader: on a terminal one key press (no Enter) and a line
editor with Tab completion over code ids for "add a code"; otherwise (scripts, tests) one
line of standard input per key, so ``printf 'a\\nr\\nq\\n' | qualcode review`` works.
The session logic lives in :mod:`qualcode.coding.review`. Rich is imported by the functions
that draw the screen, not by this module: ``review --help`` draws nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Callable, Optional

import typer

from qualcode.cli.context import open_db, settings
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from qualcode.coding.common import Turn
    from qualcode.coding.review import Learned, ReviewItem, ReviewSession

CONTEXT = 240  # characters of the turn before shown for context (its end)
KEYS = (("a", "accept"), ("r", "reject"), ("A", "accept all"), ("R", "reject all"), ("c", "add a code"),
        ("C", "code w/ previous"), ("m", "memo"), ("n", "next suggestion"), ("s", "skip segment"), ("u", "undo"),
        ("q", "quit"), ("?", "help"))


def help_line(style: str = "", width: int = 0) -> "Text":
    """The keys, each in bold (the console never reads markup: transcripts hold brackets).
    Given a ``width``, lines break between keys, never inside one ("n next / suggestion")."""
    from qualcode.render.terminal import styled

    parts: list[str | tuple[str, str]] = []
    used = 0
    for key, label in KEYS:
        item = len(key) + 1 + len(label)
        if width and used and used + item > width:
            parts[-1] = (str(parts[-1][0]).rstrip() + "\n", style)
            used = 0
        parts += [(key, f"bold {style}".strip()), (f" {label}  " if key != "?" else f" {label}", style)]
        used += item + 2
    return styled(*parts)


@dataclass
class Keys:
    """Where keys and answers come from: injectable, so the loop can be scripted."""
    read_key: Callable[[], str]
    ask: Callable[[str, list[str]], str]


def terminal_keys() -> Keys:
    """Single key presses on a terminal; one line per key when stdin is not a terminal."""
    if sys.stdin.isatty():
        import click

        def read_key() -> str:
            try:
                return click.getchar(echo=False)
            except EOFError:  # Ctrl-D
                return "q"

        return Keys(read_key=read_key, ask=_ask_with_completion)

    def read_line() -> str:
        line = sys.stdin.readline()
        return line.strip()[:1] if line else "q"  # end of input: quit (decisions are saved)

    def ask_line(prompt: str, _choices: list[str]) -> str:
        answer = sys.stdin.readline().strip()
        typer.echo(f"{prompt}{answer}")
        return answer

    return Keys(read_key=read_line, ask=ask_line)


def _ask_with_completion(prompt: str, choices: list[str]) -> str:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input
        return input(prompt)

    def complete(text: str, state: int) -> str | None:
        matches = [c for c in choices if c.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" ")
    readline.parse_and_bind("tab: complete")
    try:
        return input(prompt)
    except EOFError:
        return ""
    finally:
        readline.set_completer(None)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f" · {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def show_turn(console: Console, segment_id: int, t: "Turn", said: "Text") -> None:
    """Where a segment is (source, turn, line, time, id), the end of the turn before it, and
    the segment (``said``: its text, maybe highlighted), each wrapped under its speaker: the
    review and the reconciliation screens."""
    from qualcode.render.terminal import plain, styled

    console.print(styled((t.source, "bold"), f" · turn {t.ordinal} · line {t.line}{_clock(t.timestamp)} "
                                              f"· segment {segment_id}"))
    if t.previous is not None:
        before = t.previous[1]
        short = before if len(before) <= CONTEXT else before[-CONTEXT:].split(" ", 1)[-1]
        ellipsis = "…" if short != before else ""
        console.print(_hanging(console, plain(f"  {t.previous[0] or '—'} (before): ", "dim"),
                               plain(f"{ellipsis}{short}", "dim")))
    console.print(_hanging(console, plain(f"  {t.speaker or '—'}: ", "bold"), said))


def render(console: Console, session: "ReviewSession", item: "ReviewItem", focus: int) -> None:
    from rich.text import Text

    from qualcode.render.terminal import plain, score_text, styled

    p = session.progress()
    console.rule(f"Review · {p.done} done · {p.left} left ({p.segments_left} segments)")
    show_turn(console, item.segment_id, item.turn, _highlighted(console, item, focus))
    learned = {x.code_id: x for x in session.learned([s.code_id for s in item.suggestions])}
    for i, s in enumerate(item.suggestions):
        lx = learned.get(s.code_id)
        note = learning_note(lx) if lx else ""
        score = score_text(s.score)
        marker = "▸" if i == focus else " "
        console.print(_hanging(console, plain(f" {marker} {i + 1}. "), styled(
            (s.code_id, "bold"), f" {s.code_name}  {score}  {s.method}  ", (note, "dim"))))
    if item.suggestions and item.suggestions[focus].reasons:
        console.print(_hanging(console, plain(f"  why {focus + 1}: ", "dim"), plain("; ".join(item.suggestions[focus].reasons), "dim")))
    if item.coded:
        console.print(plain("  already coded: " + ", ".join(f"{c} ({who or '?'})" for c, who in item.coded)))
    console.print(help_line("dim", console.width))


def learning_note(learned: "Learned") -> str:
    """The decisions the learned layer has of a code, in words: "learning from 8 accepted, 97
    rejected", or "not learning yet: 8 accepted, 0 rejected; needs 5 more rejected" (the note
    said "8/5 accepted, 0/5 rejected to learn")."""
    from qualcode.nlp.thresholds import MIN_ACCEPTED, MIN_REJECTED

    counts = f"{learned.accepted} accepted, {learned.rejected} rejected"
    if learned.enough:
        return f"learning from {counts}"
    needs = [f"{minimum - have} more {what}" for have, minimum, what in (
        (learned.accepted, MIN_ACCEPTED, "accepted"), (learned.rejected, MIN_REJECTED, "rejected")) if have < minimum]
    return f"not learning yet: {counts}; needs {' and '.join(needs)}"


def _hanging(console: Console, head: "Text", body: "Text") -> "Text":
    """``head`` then ``body``, whose wrapped lines start under its first word, not at column 0:
    at 80 columns a turn or a suggestion's note used to wrap to the left edge."""
    indent = head.cell_len
    out = head.copy()
    for i, line in enumerate(body.wrap(console, max(console.width - indent, 20))):
        if i:
            out.append("\n" + " " * indent)
        line.rstrip()
        out.append_text(line)
    return out


def _highlighted(console: Console, item: "ReviewItem", focus: int) -> "Text":
    """The segment with the evidence of the focused suggestion highlighted (reverse video on
    a terminal, «guillemets» in plain output), other suggestions' evidence underlined."""
    from rich.text import Text

    from qualcode.render.terminal import plain, visible

    said = item.turn.text

    if console.is_terminal and not console.no_color:
        styles: list[str] = [""] * len(said)
        for i, s in enumerate(item.suggestions):
            for a, b, _kind in s.evidence:
                for k in range(max(a, 0), min(b, len(said))):
                    if styles[k] != "bold reverse":
                        styles[k] = "bold reverse" if i == focus else "underline"
        text, start = Text(), 0
        for k in range(1, len(said) + 1):  # runs of one style, each shown as written
            if k == len(said) or styles[k] != styles[start]:
                text.append(visible(said[start:k]), style=styles[start])
                start = k
        return text
    spans = sorted({(a, b) for a, b, _ in item.suggestions[focus].evidence})
    out, at = [], 0
    for a, b in spans:
        if a >= at:
            out += [said[at:a], "«", said[a:b], "»"]
            at = b
    return plain("".join(out) + said[at:])


def run_review(session: "ReviewSession", console: Console, keys: Keys) -> None:
    """The key loop: one segment at a time until the queue is empty or the user quits."""
    from qualcode.render.terminal import plain

    item = session.next_item()
    focus = 0
    while True:
        if item is not None and not item.suggestions:
            item, focus = session.next_item(), 0
            continue
        if item is None:
            item = _at_the_end(session, console, keys)
            if item is None:
                break
            continue
        focus = min(focus, len(item.suggestions) - 1)
        render(console, session, item, focus)
        key = keys.read_key()
        if key == "q":
            break
        try:
            item, focus = _act(session, console, keys, item, focus, key)
        except QualcodeError as exc:
            console.print(plain(str(exc), "red"))
    _summary(session, console)


def _at_the_end(session: "ReviewSession", console: Console, keys: Keys) -> Optional["ReviewItem"]:
    """Nothing left: offer to undo the last decision before leaving."""
    from qualcode.render.terminal import styled

    console.print("Nothing left to review with these filters.")
    if not session.can_undo:
        return None
    console.print(styled(("u", "bold dim"), (" undo the last decision, any other key to finish", "dim")))
    if keys.read_key() != "u":
        return None
    segment_id = session.undo()
    console.print("Undone.")
    return session.item(segment_id) if segment_id is not None else None


def _act(session: "ReviewSession", console: Console, keys: Keys, item: "ReviewItem", focus: int,
         key: str) -> tuple[Optional["ReviewItem"], int]:
    current = item.suggestions[focus]
    if key in ("a", "r", "A", "R"):
        decide = session.accept if key.lower() == "a" else session.reject
        decide(item, None if key.isupper() else [current.coding_id])
        _say_conflicts(session, console)
        return session.item(item.segment_id), focus
    if key in ("c", "C"):
        _add_code(session, console, keys, item, with_previous=key == "C")
        return session.item(item.segment_id), focus
    if key == "m":
        text = keys.ask(f"Memo on coding {current.coding_id} ({current.code_id}): ", [])
        if text.strip():
            memo_id = session.memo("coding", str(current.coding_id), text)
            console.print(f"Memo {memo_id} saved")
        return item, focus
    if key == "n":
        return item, (focus + 1) % len(item.suggestions)
    if key == "s":
        session.skip(item)
        return session.next_item(), 0
    if key == "u":
        segment_id = session.undo()
        console.print("Undone." if segment_id is not None else "Nothing to undo in this session "
                      "(`qualcode undo` undoes earlier decisions).")
        return (session.item(segment_id) if segment_id is not None else item), 0
    if key not in ("?", "h"):
        console.print(f"Unknown key {key!r}.")
    console.print(help_line(width=console.width))
    return item, focus


def _add_code(session: "ReviewSession", console: Console, keys: Keys, item: "ReviewItem",
              with_previous: bool = False) -> None:
    """``c``: apply a code of the codebook, or, after a confirmation, a new one. ``C``: the
    same, to this turn and the speech turn before it, as one coding across turns."""
    from qualcode.coding.review import code_names, find_code

    before = session.turn_before(item) if with_previous else None
    if with_previous and before is None:
        console.print(f"Segment {item.segment_id} is the first turn of its source: no turn before it to code with it.")
        return
    what = f"segment {item.segment_id}" + (f" with the turn before it (segment {before})" if with_previous else "")
    prompt = "Code this turn and the one before (Tab completes): " if with_previous else "Code (Tab completes): "
    answer = " ".join(keys.ask(prompt, code_names(session.db)).split())
    if not answer:
        return
    code_id = find_code(session.db, answer)
    if code_id is None:
        sure = keys.ask(f"'{answer}' is not in the codebook. Add it as a new code? [y/N] ", [])
        if sure.strip().lower() not in ("y", "yes"):
            console.print("No code added.")
            return
        code_id = session.add_new_code(item, answer, with_previous=with_previous)
        console.print(f"Added code {code_id} ({answer}) to the codebook and coded {what} with it")
        return
    session.add_code(item, code_id, with_previous=with_previous)
    console.print(f"Coded {what} as {code_id}")


def _say_conflicts(session: "ReviewSession", console: Console) -> None:
    """Suggestions another coder decided while this one looked at them: theirs stands."""
    for c in session.conflicts:
        if c.status == "withdrawn":
            console.print(f"Suggestion {c.coding_id} was withdrawn by `qualcode suggest` meanwhile; nothing to decide.")
        else:
            console.print(f"{c.code_id} on segment {c.segment_id} was already {c.status} by "
                          f"{c.coder or 'another coder'} meanwhile; left as they decided.")


def _summary(session: "ReviewSession", console: Console) -> None:
    t, p = session.tally, session.progress()
    created = f" ({len(t.created)} new code{'s' if len(t.created) != 1 else ''})" if t.created else ""
    console.print(f"This session: {t.accepted} accepted, {t.rejected} rejected, {t.coded} coded by hand{created}, "
                  f"{t.memos} memo(s), {t.undone} undone. {p.left} suggestion(s) left.")
    if t.created:
        console.print("New codes: " + ", ".join(t.created) + " (group them into themes with "
                             "`qualcode codebook move CODE --under THEME`)")
    ready = [x.code_id for x in session.learned() if x.enough]
    if ready:
        console.print(f"Enough decisions for the learned layer: {', '.join(ready)} "
                      "(`qualcode suggest` uses them on its next run).")


OrderOpt = Annotated[str, typer.Option(help="score (most likely first), uncertain (closest to 0.5 first) or "
                                            "source (in transcript order).")]


def review(
    ctx: typer.Context,
    code: Annotated[Optional[list[str]], typer.Option("--code", "-c", help="Only this code id; repeatable.")] = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Only this source; repeatable.")] = None,
    min_score: Annotated[Optional[float], typer.Option(
        min=0, max=1, help="Only suggestions scoring at least this.")] = None,
    order: OrderOpt = "score",
    include_facilitators: Annotated[bool, typer.Option(
        "--include-facilitators", help="Also review suggestions on facilitators' (moderators', "
                                       "interviewers') turns.")] = False,
    disagreements: Annotated[bool, typer.Option(
        "--disagreements", help="Reconcile double coding instead: walk each segment and code the coders "
                                "decided differently, and record the team's decision.")] = False,
    consensus: Annotated[str, typer.Option(
        "--as", help="With --disagreements: the coder the reconciled decisions are recorded under.")] = "consensus",
    coders: Annotated[Optional[str], typer.Option(
        help="With --disagreements: the coders to compare, comma-separated [default: all but --as].")] = None,
) -> None:
    """Review pending suggestions one segment at a time, with single keys.

    Accept, reject, accept all, add a code (or a new one), write a memo, skip, undo, quit.
    Decisions are saved at once; run it again to resume where you stopped.
    With --disagreements, reconcile two coders' codings instead."""
    from qualcode.coding.decisions import DecisionFilter
    from qualcode.coding.review import ORDERS, ReviewSession
    from qualcode.render.terminal import PlainConsole

    if disagreements:
        from qualcode.cli.reconcile_cmd import run_reconcile

        if min_score is not None or order != "score":
            raise typer.BadParameter("--min-score and --order are for suggestions; --disagreements takes "
                                     "--code, --source, --coders and --as", param_hint="--disagreements")
        from qualcode.coding.reconcile import ReconcileSession

        names = [c.strip() for c in coders.split(",") if c.strip()] if coders else []
        rs = ReconcileSession(open_db(ctx), settings(ctx).coder_name, consensus, names, code or [], source or [])
        return run_reconcile(rs, PlainConsole(), terminal_keys())

    if order not in ORDERS:
        raise typer.BadParameter(f"choose one of: {', '.join(ORDERS)}", param_hint="--order")
    flt = DecisionFilter(code or [], source or [], min_score, include_facilitators=include_facilitators)
    session = ReviewSession(open_db(ctx), settings(ctx).coder_name, flt, order)
    run_review(session, PlainConsole(), terminal_keys())
