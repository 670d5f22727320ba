"""Gold codings in the benchmark-folder format, and the fixed scoring units.

A benchmark folder (see ../shared/benchmark/README.md) holds ``documents.jsonl``
(``doc_id``, ``text``), ``codebook.yaml`` (``codes: [{name, description?, parent?,
inclusion_criteria?}]``) and ``codings.jsonl`` (``doc_id``, ``code``, ``start``, ``end``,
``coder``). The protocol is fixed there so that results compare with its baselines:

* *utterance* segments are the non-empty lines of a document; *sentence* segments split
  each line after ``.``, ``!`` or ``?`` when the next character starts a sentence;
  segments under 3 words are dropped;
* a segment that a facilitator says (``ingest/roles.py``: ``facilitator_spans``) is marked
  ``facilitator``: ``suggest`` gives it nothing, so it is neither scored nor a false alarm;
* code *c* is gold for segment *s* when a coding of *c* overlaps *s* by at least 50 % of
  *s* or 50 % of the coded span.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from qualcode.codebook.model import Code
from qualcode.errors import QualcodeError

UNITS = ("utterance", "sentence")
MIN_WORDS = 3
_WORD = re.compile(r"\w+")  # the protocol counts words as runs of word characters
# A sentence ends at . ! ? (possibly followed by closing quotes/brackets) when the next
# non-space character starts a sentence: an upper-case letter, a digit or an opening quote.
_SENTENCE_END = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9À-ÖØ-Þ])""")


@dataclass
class Segment:
    doc_id: str
    start: int
    end: int
    text: str
    index: int = 0  # position within its document
    # a facilitator's turn (ingest's speaker roles): `suggest` skips it, so evaluation
    # neither scores it nor counts it as a false alarm; it stays as context
    facilitator: bool = False


@dataclass
class GoldSpan:
    doc_id: str
    code: str
    start: int
    end: int
    coder: str | None = None


@dataclass
class Benchmark:
    name: str
    documents: dict[str, str]
    codes: list[Code]
    spans: list[GoldSpan] = field(default_factory=list)
    language: str = "en"


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def segment_text(doc_id: str, text: str, unit: str, *, roles: bool = True) -> list[Segment]:
    """The protocol's segments of one document, with offsets into ``text``. ``roles``: mark
    the facilitator's segments from the document's speaker labels (a project's turn, whose
    speaker is already known, is not a document to read labels from)."""
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit '{unit}'; choose utterance or sentence")
    from qualcode.ingest.roles import facilitator_spans

    out: list[Segment] = []
    facilitated = facilitator_spans(text) if roles else []
    pos = 0
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        pieces = [(0, len(line))]
        if unit == "sentence":
            cuts = [m.end() for m in _SENTENCE_END.finditer(line)]
            bounds = [0, *cuts, len(line)]
            pieces = list(zip(bounds, bounds[1:]))
        for a, b in pieces:
            s, e = _strip(text, line_start + a, line_start + b)
            if e > s and len(_WORD.findall(text, s, e)) >= MIN_WORDS:
                said = sum(max(0, min(e, hi) - max(s, lo)) for lo, hi in facilitated)
                out.append(Segment(doc_id, s, e, text[s:e], len(out), facilitator=2 * said > e - s))
    return out


def gold_codes(segments: list[Segment], spans: Iterable[GoldSpan]) -> list[set[str]]:
    """For each segment, the codes that are gold for it under the 50 % overlap rule."""
    by_doc: dict[str, list[tuple[int, Segment]]] = {}
    for i, seg in enumerate(segments):
        by_doc.setdefault(seg.doc_id, []).append((i, seg))
    gold: list[set[str]] = [set() for _ in segments]
    for span in spans:
        span_len = max(span.end - span.start, 1)
        for i, seg in by_doc.get(span.doc_id, []):
            overlap = min(seg.end, span.end) - max(seg.start, span.start)
            if overlap <= 0:
                continue
            if overlap >= 0.5 * (seg.end - seg.start) or overlap >= 0.5 * span_len:
                gold[i].add(span.code)
    return gold


def _jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    raise QualcodeError(f"{path}:{n} is not valid JSON; fix or remove that line") from None
    return rows


def benchmark_codes(entries: list[dict[str, Any]]) -> list[Code]:
    """Codes from a benchmark ``codebook.yaml`` (``name`` is the id; ``parent`` names one)."""
    codes = []
    for e in entries:
        if not isinstance(e, dict) or not e.get("name"):
            continue
        name = str(e["name"])
        codes.append(Code(id=name, name=name, parent_id=e.get("parent"),
                          description=str(e.get("description") or ""),
                          include=str(e.get("inclusion_criteria") or e.get("include") or ""),
                          exclude=str(e.get("exclude") or ""),
                          keywords=list(e.get("keywords") or []), examples=list(e.get("examples") or [])))
    return codes


def load_benchmark(folder: Path) -> Benchmark:
    """Read a benchmark folder; a missing or malformed file is a QualcodeError."""
    import yaml

    need = ["documents.jsonl", "codebook.yaml", "codings.jsonl"]
    missing = [n for n in need if not (folder / n).is_file()]
    if missing:
        raise QualcodeError(f"{folder} is not a benchmark folder (missing {', '.join(missing)}); "
                            "it needs documents.jsonl, codebook.yaml and codings.jsonl")
    docs = {str(r["doc_id"]): str(r["text"]) for r in _jsonl(folder / "documents.jsonl")}
    try:
        book = yaml.safe_load((folder / "codebook.yaml").read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        raise QualcodeError(f"{folder / 'codebook.yaml'} is not valid YAML; fix its syntax") from None
    if not isinstance(book, dict):
        raise QualcodeError(f"{folder / 'codebook.yaml'} must be a mapping with a 'codes:' list")
    codes = benchmark_codes(book.get("codes") or [])
    spans = [GoldSpan(str(r["doc_id"]), str(r["code"]), int(r["start"]), int(r["end"]), r.get("coder"))
             for r in _jsonl(folder / "codings.jsonl")]
    known = {c.id for c in codes}
    for code in sorted({s.code for s in spans} - known):  # used but not in the codebook
        codes.append(Code(id=code, name=code))
    return Benchmark(folder.name, docs, codes, spans, str(book.get("language") or "en"))
