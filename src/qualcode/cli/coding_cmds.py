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
    segment_id: Annotated[int, typer.Argument(help="Segment id (see `qualcode segments`).")],
    code_id: Annotated[str, typer.Argument(help="Code id (see `qualcode codebook show`).")],
    start: Annotated[Optional[int], typer.Option(min=0, help="Code from this character of the segment's text.")] = None,
    end: Annotated[Optional[int], typer.Option(min=1, help="Code up to (not including) this character.")] = None,
    quote: Annotated[Optional[str], typer.Option(help="Code these exact words of the segment.")] = None,
    memo: Annotated[Optional[str], typer.Option(help="Attach a memo to the coding.")] = None,
) -> None:
    """Code a whole segment by hand, or a span of it (--start/--end, or --quote "exact words")."""
    from qualcode.coding.decisions import code_segment
    from qualcode.coding.memos import add_memo

    from qualcode.project import transaction

    if memo is not None and not memo.strip():  # checked first: a failed memo must leave no coding behind
        raise QualcodeError("the memo is empty; write some text, or leave out --memo")
    coder = settings(ctx).coder_name
    db = open_db(ctx)
    with transaction(db):  # the coding and its memo land together, or neither does
        result = code_segment(db, segment_id, code_id, coder=coder, start=start, end=end, quote=quote)
        if memo:
            add_memo(db, "coding", str(result.coding_id), memo, author=coder)
    whole = start is None and end is None and quote is None
    where = f"segment {segment_id}" if whole else f"a span of segment {segment_id}"
    messages = {
        "created": f"Coded {where} as {code_id} ({coder}): coding {result.coding_id}",
        "accepted-suggestion": f"Accepted the suggestion of {code_id} for segment {segment_id} ({coder})",
        "already": f"{where[0].upper()}{where[1:]} is already coded {code_id} by {coder}; nothing to do",
    }
    say(ctx, messages[result.action] + (" (memo added)" if memo else ""))


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
    say(ctx, f"Undid {coder}'s last decision ({result.action}, {n} coding{'s' if n != 1 else ''})")


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

    rows = list_codings(open_db(ctx), CodingFilter(code or [], source or [], segment, status or ["accepted"], coder,
                                                   limit))
    if fmt == "json":
        from dataclasses import asdict

        return emit(ctx, to_json([asdict(r) for r in rows]), None)
    if fmt != "table":
        raise typer.BadParameter("choose table or json", param_hint="--format")
    table = Table("", ["id", "source", "segment", "code", "coder", "status", "span", "score", "origin"],
                  [[r.id, r.source, r.segment_id, r.code_id, r.coder or "", r.status, f"{r.start}-{r.end}",
                    "" if r.score is None else f"{r.score:.2f}", r.origin] for r in rows],
                  numeric=("id", "segment", "score"))
    emit(ctx, to_rich(table), None)
