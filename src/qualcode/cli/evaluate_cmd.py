"""``qualcode evaluate``: score suggestions against gold codings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from qualcode.cli.context import emit, open_db, say
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.nlp.evaluate import EvalResult

UNITS = ("utterance", "sentence")


def _fractions(simulate: list[float] | None, curve: bool) -> list[float]:
    from qualcode.nlp.evaluate import CURVE

    values = {0.0, *(simulate or [])} | (set(CURVE) if curve else set())
    for v in values:
        if not 0 <= v < 1:
            raise typer.BadParameter("a share of documents from 0 up to (not including) 1, e.g. 0.25",
                                     param_hint="--simulate-review")
    return sorted(values)


def evaluate(
    ctx: typer.Context,
    benchmark: Annotated[Optional[Path], typer.Argument(
        help="A benchmark folder (documents.jsonl, codebook.yaml, codings.jsonl); omit to use the project.")] = None,
    gold_coder: Annotated[Optional[str], typer.Option(help="Project only: this coder's accepted codings are the gold.")] = None,
    gold_csv: Annotated[Optional[Path], typer.Option(
        help="Project only: gold codings from a CSV (source,code,start,end or segment,code).")] = None,
    unit: Annotated[Optional[list[str]], typer.Option(help="utterance or sentence; repeatable [default: both].")] = None,
    simulate_review: Annotated[Optional[list[float]], typer.Option(
        "--simulate-review", metavar="FRACTION",
        help="Also score after a researcher reviewed this share of the documents (e.g. 0.25); repeatable.")] = None,
    curve: Annotated[bool, typer.Option(help="Score after reviewing 0, 10, 25 and 50 % of the documents.")] = False,
    repeats: Annotated[int, typer.Option(min=1, help="Random document splits per simulated share.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the document splits.")] = 0,
    per_code: Annotated[bool, typer.Option(help="Show each code's precision, recall and F1.")] = False,
    model: Annotated[Optional[str], typer.Option(help="An installed spaCy pipeline instead of the offline default.")] = None,
    embeddings: Annotated[Optional[str], typer.Option(
        envvar="QUALCODE_EMBEDDINGS", metavar="MODEL",
        help="Sentence-embedding model of the semantic layer, as for suggest: minilm or off.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """Score suggestions against gold codings: P@1, P@3, R@3, micro and macro F1, false alarms.

    Gold is a benchmark folder, another coder in the project (--gold-coder) or a CSV
    (--gold-csv). Suggestions are computed fresh from the codebook; --simulate-review replays
    a researcher reviewing part of the documents, then scores the rest."""
    from qualcode.nlp.evaluate import evaluate_segments
    from qualcode.nlp.pipeline import make_pipeline

    if fmt not in ("table", "json"):
        raise typer.BadParameter("choose one of: table, json", param_hint="--format")
    units = unit or list(UNITS)
    for u in units:
        if u not in UNITS:
            raise typer.BadParameter("choose utterance or sentence", param_hint="--unit")
    fractions = _fractions(simulate_review, curve)
    name, lang, codes, spans, segmenter = _gold(ctx, benchmark, gold_coder, gold_csv)
    nlp = make_pipeline(lang, model)
    embedder = _embedder(ctx, embeddings, benchmark is None)
    results = []
    for u in units:
        say(ctx, f"Scoring {name} ({u}s) after reviewing {', '.join(f'{f:.0%}' for f in fractions)} of the documents")
        results += evaluate_segments(nlp, codes, segmenter(u), spans, dataset=name, unit=u, fractions=fractions,
                                     repeats=repeats, seed=seed, embedder=embedder)
    emit(ctx, _json(results) if fmt == "json" else _tables(results, per_code), output,
         inputs=tuple(p for p in (gold_csv,) if p is not None))


def _embedder(ctx: typer.Context, name: str | None, in_project: bool) -> Any:
    """The semantic layer's embedder (through the project's cache when scoring a project)."""
    from qualcode.nlp.semantic import Embedder, resolve

    model = resolve(name)
    if model is None:
        return None
    from qualcode.coding.embeddings import EmbeddingCache

    return Embedder(model, EmbeddingCache(open_db(ctx) if in_project else None, model))


def _gold(ctx: typer.Context, benchmark: Path | None, coder: str | None, csv_path: Path | None) -> tuple[Any, ...]:
    from qualcode.nlp import benchmark as bench

    if benchmark is not None:
        if coder or csv_path:
            raise QualcodeError("--gold-coder and --gold-csv are for a project; a benchmark folder has its own gold")
        b = bench.load_benchmark(benchmark)
        segment = (lambda u: [s for doc, text in b.documents.items() for s in bench.segment_text(doc, text, u)])
        return b.name, b.language, b.codes, b.spans, segment
    if (coder is None) == (csv_path is None):
        raise QualcodeError("say what the gold is: a benchmark folder, --gold-coder NAME or --gold-csv FILE")
    from qualcode.codebook.store import active_codes
    from qualcode.nlp import gold

    db = open_db(ctx)
    codes = active_codes(db)
    if not codes:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    spans = gold.coder_spans(db, coder) if coder else gold.csv_spans(db, csv_path)  # type: ignore[arg-type]
    row = db.execute("SELECT language FROM codebook_versions ORDER BY id DESC LIMIT 1").fetchone()
    return ("project", row[0] if row else "en", codes, spans, lambda u: gold.project_segments(db, u))


def _json(results: list["EvalResult"]) -> str:
    return json.dumps([{"dataset": r.dataset, "unit": r.unit, "reviewed": r.reviewed, "repeats": r.repeats,
                        "learned_codes": r.learned_codes, **r.metrics.as_dict()} for r in results], indent=2) + "\n"


def _tables(results: list["EvalResult"], per_code: bool) -> Any:
    """One table per dataset and unit, a row per reviewed share (scored segments are pooled
    over the repeated splits)."""
    from rich.console import Group
    from rich.table import Table

    parts: list[Any] = []
    for key in dict.fromkeys((r.dataset, r.unit) for r in results):
        t = Table(title=f"{key[0]}, {key[1]}s", title_justify="left")
        for col in ("reviewed", "scored", "coded", "P@1", "P@3", "R@3", "micro F1", "macro F1", "false alarm",
                    "learned"):
            t.add_column(col, justify="right")
        for r in (r for r in results if (r.dataset, r.unit) == key):
            m = r.metrics
            t.add_row(f"{r.reviewed:.0%}", f"{m.segments:,}", f"{m.coded:,}",
                      *(f"{v:.3f}" for v in (m.p_at_1, m.p_at_3, m.r_at_3, m.micro_f1, m.macro_f1, m.false_alarm)),
                      str(r.learned_codes))
        parts.append(t)
        parts.append(_seen_table(key, [r for r in results if (r.dataset, r.unit) == key]))
    if per_code:
        for r in results:
            t = Table(title=f"{r.dataset}, {r.unit}s, {r.reviewed:.0%} reviewed: per code", title_justify="left")
            for col in ("code", "gold", "suggested", "correct", "precision", "recall", "F1"):
                t.add_column(col, justify="left" if col == "code" else "right", overflow="fold")
            for c in r.metrics.per_code:
                t.add_row(c.code, str(c.gold), str(c.suggested), str(c.correct),
                          f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}")
            parts.append(t)
    return Group(*parts)


def _seen_table(key: tuple[str, str], results: list["EvalResult"]) -> Any:
    """What the researcher sees: the suggested sets alone, and how far their scores hold."""
    from rich.table import Table

    t = Table(title=f"{key[0]}, {key[1]}s: what the researcher sees", title_justify="left")
    for col in ("reviewed", "shown P@1", "coverage", "≥ 0.9 right", "≥ 0.9 count", "ECE"):
        t.add_column(col, justify="right")
    for r in results:
        m, sure = r.metrics, r.metrics.confident
        t.add_row(f"{r.reviewed:.0%}", f"{m.shown_p_at_1:.3f}", f"{m.coverage:.3f}",
                  f"{sure.precision:.3f}" if sure and sure.suggestions else "–",
                  str(sure.suggestions if sure else 0), "–" if m.ece is None else f"{m.ece:.3f}")
    return t

