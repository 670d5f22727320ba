"""``accept``, ``reject``, ``code``, ``uncode``, ``undo`` and ``codings``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from qualcode.cli.context import emit, open_db, say, settings
from qualcode.errors import QualcodeError

CodeOpt = Annotated[Optional[list[str]], typer.Option("--code", "-c", help="Only this code id; repeatable.")]
SourceOpt = Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Only this source name; repeatable.")]
MinOpt = Annotated[Optional[float], typer.Option(min=0, max=1, help="Only suggestions scoring at least this.")]
MaxOpt = Annotated[Optional[float], typer.Option(min=0, max=1, help="Only suggestions scoring at most this.")]


def _decide(ctx: typer.Context, status: str, code: list[str] | None, source: list[str] | None,
            min_score: float | None, max_score: float | None) -> None:
    from qualcode.coding.decisions import DecisionFilter, decide

    coder = settings(ctx).coder_name
    count = decide(open_db(ctx), status, DecisionFilter(code or [], source or [], min_score, max_score), coder=coder)
    say(ctx, f"{status.capitalize()} {count} suggestion{'s' if count != 1 else ''} as {coder}")


def accept(ctx: typer.Context, code: CodeOpt = None, source: SourceOpt = None,
           min_score: MinOpt = None, max_score: MaxOpt = None) -> None:
    """Accept pending suggestions in bulk (all, or filtered by code, source and score)."""
    _decide(ctx, "accepted", code, source, min_score, max_score)


def reject(ctx: typer.Context, code: CodeOpt = None, source: SourceOpt = None,
           min_score: MinOpt = None, max_score: MaxOpt = None) -> None:
    """Reject pending suggestions in bulk (all, or filtered by code, source and score)."""
    _decide(ctx, "rejected", code, source, min_score, max_score)


def code(
    ctx: typer.Context,
    segment_id: Annotated[str, typer.Argument(
        metavar="SEGMENT_ID", help="Segment id (see `qualcode segments`); left out with --source.")],
    code_id: Annotated[Optional[str], typer.Argument(
        metavar="CODE_ID", help="Code id (see `qualcode codebook show`); or --new NAME.", show_default=False)] = None,
    start: Annotated[Optional[int], typer.Option(min=0, help="Code from this character of the segment's text "
                                                             "(with --source: of the source's text).")] = None,
    end: Annotated[Optional[int], typer.Option(min=1, help="Code up to (not including) this character.")] = None,
    quote: Annotated[Optional[str], typer.Option(help="Code these exact words of the segment (with --source: "
                                                      "of the source, across turns).")] = None,
    source: Annotated[Optional[str], typer.Option(
        "--source", help="Code a span of this source that may cross turns (with --start/--end or --quote).")] = None,
    memo: Annotated[Optional[str], typer.Option(help="Attach a memo to the coding.")] = None,
    new: Annotated[Optional[str], typer.Option(
        "--new", help="Create a code with this name (a new codebook version) and code with it; `undo` takes "
                      "back both.")] = None,
    under: Annotated[Optional[str], typer.Option(help="With --new: the parent code's id.")] = None,
    description: Annotated[Optional[str], typer.Option(help="With --new: the new code's description.")] = None,
) -> None:
    """Code a whole segment by hand, or a span of it (--start/--end, or --quote "exact words").

    With --new "Name" instead of a code id, the code is created first (inductive coding).
    With --source, the span may start in one turn and end in a later one:
    `qualcode code --source fg1.txt --quote "words ... words" CODE_ID`."""
    from qualcode.coding.decisions import code_segment
    from qualcode.coding.memos import add_memo

    from qualcode.coding.ledger import write_transaction

    if memo is not None and not memo.strip():  # checked first: a failed memo must leave no coding behind
        raise QualcodeError("the memo is empty; write some text, or leave out --memo")
    coder = settings(ctx).coder_name
    db = open_db(ctx)
    if source is not None:
        if code_id is not None or new is not None:
            raise typer.BadParameter("with --source, give only CODE_ID (no segment id, no --new)",
                                     param_hint="SEGMENT_ID")
        _code_source_span(ctx, source, segment_id, start=start, end=end, quote=quote, memo=memo)
        return
    if not segment_id.isdigit():
        raise typer.BadParameter("give a segment id (a number, see `qualcode segments`) and a code id, or "
                                 "--source NAME and the code id alone", param_hint="SEGMENT_ID")
    if (code_id is None) == (new is None):
        raise typer.BadParameter("give a CODE_ID or --new NAME (one of them)", param_hint="CODE_ID")
    if new is None and (under is not None or description is not None):
        raise typer.BadParameter("--under and --description go with --new", param_hint="--under")
    segment = int(segment_id)
    created = None
    with write_transaction(db):  # the coding (and a code made for it) and its memo land together, or nothing does
        if new is not None:
            from qualcode.coding.new_codes import code_with_new_code

            created = code_with_new_code(db, segment, new, coder=coder, parent=under,
                                         description=description or "", start=start, end=end, quote=quote)
            result, code_id = created.coding, created.code_id
        else:
            assert code_id is not None
            result = code_segment(db, segment, code_id, coder=coder, start=start, end=end, quote=quote)
        if memo:
            add_memo(db, "coding", str(result.coding_id), memo, author=coder)
    if created is not None:
        say(ctx, created.summary())
    whole = start is None and end is None and quote is None
    where = f"segment {segment}" if whole else f"a span of segment {segment}"
    messages = {
        "created": f"Coded {where} as {code_id} ({coder}): coding {result.coding_id}",
        "accepted-suggestion": f"Accepted the suggestion of {code_id} for segment {segment_id} ({coder})",
        "already": f"{where[0].upper()}{where[1:]} is already coded {code_id} by {coder}; nothing to do",
    }
    say(ctx, messages[result.action] + (" (memo added)" if memo else ""))


def _code_source_span(ctx: typer.Context, source: str, code_id: str, *, start: int | None, end: int | None,
                      quote: str | None, memo: str | None) -> None:
    """``code --source``: a span of a source that may cross turns."""
    from qualcode.coding import ledger
    from qualcode.coding.decisions import code_span
    from qualcode.coding.memos import add_memo
    from qualcode.coding.spans import resolve_source_span, span_turns

    coder = settings(ctx).coder_name
    db = open_db(ctx)
    span = resolve_source_span(db, source, start=start, end=end, quote=quote)
    with ledger.write_transaction(db):
        result = code_span(db, span, code_id, coder=coder)
    turns = span_turns(db, span.source_id, span.start, span.end)
    where = (f"segment {span.segment_id}" if span.whole else f"a span of segment {span.segment_id}") \
        if span.segment_id is not None else f"a span of {source} across {len(turns)} turns " \
        f"({turns[0].segment_id}{', ' if len(turns) == 2 else '–'}{turns[-1].segment_id})"
    if memo:
        add_memo(db, "coding", str(result.coding_id), memo, author=coder)
    if result.action == "already":
        say(ctx, f"{where[0].upper()}{where[1:]} is already coded {code_id} by {coder}; nothing to do")
    else:
        say(ctx, f"Coded {where} as {code_id} ({coder}): coding {result.coding_id}" + (" (memo added)" if memo else ""))


def uncode(
    ctx: typer.Context,
    segment_id: Annotated[Optional[int], typer.Argument(help="Segment id.")] = None,
    code_id: Annotated[Optional[str], typer.Argument(help="Code id.")] = None,
    coding: Annotated[Optional[int], typer.Option(
        "--coding", help="Remove this coding (see `qualcode codings`).")] = None,
) -> None:
    """Remove a coding: yours of CODE_ID on SEGMENT_ID, or one by --coding ID.

    The coding is kept with status 'removed' and the removal is logged; `qualcode undo` reverts it."""
    from qualcode.coding.decisions import uncode as remove

    coder = settings(ctx).coder_name
    ids = remove(open_db(ctx), coder=coder, coding_id=coding, segment_id=segment_id, code_id=code_id)
    say(ctx, f"Removed coding{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))} ({coder})")


def undo(ctx: typer.Context) -> None:
    """Undo your last decision (accept, reject, code, uncode), restoring exactly the state before it."""
    from qualcode.coding.undo import undo_last

    coder = settings(ctx).coder_name
    result = undo_last(open_db(ctx), coder=coder)
    n = len(result.codings)
    count = "" if not n and result.action.startswith("codebook") else f", {n} coding{'s' if n != 1 else ''}"
    say(ctx, f"Undid {coder}'s last decision ({result.action}{count})")


def codings(
    ctx: typer.Context, code: CodeOpt = None, source: SourceOpt = None,
    segment: Annotated[Optional[int], typer.Option(help="Only codings of this segment.")] = None,
    status: Annotated[Optional[list[str]], typer.Option(help="accepted, suggested, rejected or removed; repeatable "
                                                         "[default: accepted].")] = None,
    coder: Annotated[Optional[str], typer.Option("--by", help="Only this coder's codings.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    limit: Annotated[Optional[int], typer.Option(min=1, help="At most this many.")] = None,
) -> None:
    """List codings with their ids (for `uncode --coding`, `memo add --coding`)."""
    from qualcode.coding.listing import CodingFilter, list_codings
    from qualcode.render.tabular import Table, to_json, to_rich
    from qualcode.render.terminal import score_text

    rows = list_codings(open_db(ctx), CodingFilter(code or [], source or [], segment, status or ["accepted"], coder,
                                                   limit))
    if fmt == "json":
        from dataclasses import asdict

        return emit(ctx, to_json([asdict(r) for r in rows]), None)
    if fmt != "table":
        raise typer.BadParameter("choose table or json", param_hint="--format")
    table = Table("", ["id", "source", "segment", "code", "coder", "status", "span", "score", "origin"],
                  [[r.id, r.source, r.segment_id, r.code_id, r.coder or "", r.status, f"{r.start}-{r.end}",
                    score_text(r.score), r.origin] for r in rows],
                  numeric=("id", "segment", "score"))
    emit(ctx, to_rich(table), None)
