"""Inter-coder agreement at the segment level.

The units are the speech segments (turns) of the sources that every compared coder has
coded (at least one accepted coding each), or of the sources the caller names. For each code,
each coder rates each unit "coded" (an accepted coding of that code touching the segment) or
"not coded". Per code we report percent agreement (share of units on which all coders
agree), Cohen's kappa (two coders only) and Krippendorff's alpha (nominal, any number of
coders); "overall" pools every (segment, code) pair into one set of units. Every unit on
which the coders differ is listed as a disagreement to discuss.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.coding.common import require_codes, require_sources
from qualcode.errors import QualcodeError
from qualcode.reports.coded import coded_sets
from qualcode.reports.common import code_tree
from qualcode.reports.pseudonymise import load_pseudonymiser
from qualcode.reports.statistics import BinaryTally

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class CodeAgreement:
    code_id: str
    name: str
    percent_agreement: float | None
    kappa: float | None
    alpha: float | None
    coded: dict[str, int]        # coder -> units coded


@dataclass
class Disagreement:
    code_id: str
    segment_id: int
    source: str
    speaker: str | None
    line: int
    timestamp: float | None
    coded_by: list[str]
    not_coded_by: list[str]
    text: str


@dataclass
class AgreementReport:
    coders: list[str]
    sources: list[str]
    units: int
    overall: dict[str, Any]
    codes: list[CodeAgreement]
    disagreements: list[Disagreement] = field(default_factory=list)
    disagreement_count: int = 0  # all of them, also when only the first few were listed


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def list_coders(db: "Database") -> list[str]:
    return sorted(coder_sources(db))


def coder_sources(db: "Database") -> dict[str, set[int]]:
    """Each coder with accepted codings, and the sources they coded (one index scan)."""
    out: dict[str, set[int]] = {}
    for coder, sources in db.execute(
            "SELECT coder, group_concat(DISTINCT source_id) FROM codings WHERE status = 'accepted' "
            "AND coder IS NOT NULL GROUP BY coder"):
        out[coder] = set(json.loads(f"[{sources}]"))
    return out


def _choose_sources(db: "Database", coded: dict[str, set[int]], coders: list[str],
                    sources: list[str] | None) -> list[tuple[int, str]]:
    if sources:
        ids = require_sources(db, sources)
        return sorted(zip(ids, sources), key=lambda t: t[1])
    common = set.intersection(*(coded[c] for c in coders))
    rows = [(sid, name) for sid, name in db.execute("SELECT id, name FROM sources ORDER BY name") if sid in common]
    if not rows:
        raise QualcodeError(f"no source has been coded by all of {', '.join(coders)}; each coder must code "
                            "the same sources (or pass --source to name them)")
    return rows


def agreement_report(db: "Database", *, coders: list[str] | None = None, sources: list[str] | None = None,
                     codes: list[str] | None = None, pseudonymise: bool = False,
                     max_disagreements: int | None = None,
                     coded: dict[str, set[int]] | None = None) -> AgreementReport:
    """``max_disagreements`` lists only the first N (in transcript order) while still counting
    all; ``coded`` is :func:`coder_sources`' answer when the caller already has it."""
    coded = coded if coded is not None else coder_sources(db)
    known = sorted(coded)
    chosen = list(dict.fromkeys(coders)) if coders else known
    for coder in chosen:
        if coder not in known:
            raise QualcodeError(f"no accepted codings by coder '{coder}'; coders in this project: "
                                f"{', '.join(known) or 'none'}")
    if len(chosen) < 2:
        raise QualcodeError(f"agreement needs at least two coders, found {len(chosen)} "
                            f"({', '.join(chosen) or 'none'}); code the same sources as another coder "
                            "(qualcode --coder NAME code ...) or merge their project")
    wanted = set(require_codes(db, codes or []))
    tree = [n for n in code_tree(db) if not wanted or n.id in wanted]
    picked = _choose_sources(db, coded, chosen, sources)
    src_ids = [sid for sid, _ in picked]
    unit_ids: set[int] = set()
    for start in range(0, len(src_ids), 500):
        chunk = src_ids[start:start + 500]
        (ids,) = db.execute("SELECT group_concat(id) FROM segments WHERE kind = 'speech' AND source_id IN "
                            f"({','.join('?' * len(chunk))})", chunk).fetchone()
        unit_ids.update(json.loads(f"[{ids or ''}]"))
    units = len(unit_ids)
    sets = coded_sets(db, coders=chosen, by_coder=True)
    overall = BinaryTally(len(chosen))
    results: list[CodeAgreement] = []
    open_units: list[tuple[str, int, int]] = []
    for node in tree:
        per_coder = [sets.get((node.id, c), set()) & unit_ids for c in chosen]
        tally, differing = _tally(per_coder, units)
        open_units += [(node.id, seg, mask) for seg, mask in differing]
        overall.add(tally)
        results.append(CodeAgreement(node.id, node.name, _round(tally.percent_agreement()), _round(tally.kappa()),
                                     _round(tally.alpha()), {c: len(s) for c, s in zip(chosen, per_coder)}))
    summary = {"units": overall.units, "percent_agreement": _round(overall.percent_agreement()),
               "kappa": _round(overall.kappa()), "alpha": _round(overall.alpha()),
               "mean_kappa": _mean([r.kappa for r in results]), "mean_alpha": _mean([r.alpha for r in results])}
    report = AgreementReport(chosen, [n for _, n in picked], units, summary, results)
    report.disagreement_count = len(open_units)
    report.disagreements = _disagreements(db, open_units, chosen, pseudonymise, max_disagreements)
    return report


def _tally(per_coder: list[set[int]], units: int) -> tuple[BinaryTally, list[tuple[int, int]]]:
    """The counts for one code, and the segments on which the coders differ (with the
    bitmask of the coders who coded them)."""
    m = len(per_coder)
    tally = BinaryTally(m, units=units)
    for k, segs in enumerate(per_coder):
        tally.per_coder[k] = len(segs)
    if m == 2:  # set algebra, no loop over segments
        a, b = per_coder
        tally.histogram[2] = len(a & b)
        tally.histogram[1] = len(a ^ b)
        return tally, [(seg, 1) for seg in a - b] + [(seg, 2) for seg in b - a]
    masks: dict[int, int] = {}
    for k, segs in enumerate(per_coder):
        for seg in segs:
            masks[seg] = masks.get(seg, 0) | (1 << k)
    full = (1 << m) - 1
    for mask in masks.values():
        tally.histogram[bin(mask).count("1")] += 1
    return tally, [(seg, mask) for seg, mask in masks.items() if mask != full]


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 3) if present else None


def _segment_order(db: "Database", seg_ids: list[int]) -> dict[int, tuple[str, int]]:
    """(source name, turn) per segment: the transcript order disagreements are listed in."""
    order: dict[int, tuple[str, int]] = {}
    for start in range(0, len(seg_ids), 500):
        chunk = seg_ids[start:start + 500]
        for sid, name, ordinal in db.execute(
                "SELECT s.id, src.name, s.ordinal FROM segments s JOIN sources src ON src.id = s.source_id "
                f"WHERE s.id IN ({','.join('?' * len(chunk))})", chunk):
            order[sid] = (name, ordinal)
    return order


def _disagreements(db: "Database", open_units: list[tuple[str, int, int]], coders: list[str],
                   pseudonymise: bool, limit: int | None = None) -> list[Disagreement]:
    if not open_units:
        return []
    pz = load_pseudonymiser(db) if pseudonymise else None
    position = {cid: k for k, cid in enumerate(dict.fromkeys(c for c, _, _ in open_units))}
    if limit is not None and limit < len(open_units):  # order cheaply, then read only those listed
        order = _segment_order(db, sorted({seg for _, seg, _ in open_units}))
        open_units = sorted(open_units, key=lambda u: (*order[u[1]], position[u[0]]))[:limit]
    seg_ids = sorted({seg for _, seg, _ in open_units})
    info: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(seg_ids), 500):
        chunk = seg_ids[start:start + 500]
        for r in db.execute(
                "SELECT s.id, src.name, sp.label, sp.participant_id, s.speaker_id, s.line, s.timestamp, s.text, "
                "s.ordinal FROM segments s JOIN sources src ON src.id = s.source_id "
                f"LEFT JOIN speakers sp ON sp.id = s.speaker_id WHERE s.id IN ({','.join('?' * len(chunk))})", chunk):
            info[r[0]] = r
    out = []
    sides: dict[int, tuple[list[str], list[str]]] = {}
    for mask in {m for _, _, m in open_units}:
        sides[mask] = ([c for k, c in enumerate(coders) if mask >> k & 1],
                       [c for k, c in enumerate(coders) if not mask >> k & 1])
    open_units = sorted(open_units, key=lambda u: (info[u[1]][1], info[u[1]][8], position[u[0]]))
    for code_id, seg, mask in open_units:
        _id, source, label, pid, speaker_id, line, ts, text, _ord = info[seg]
        speaker = pz.speaker(label, pid, speaker_id) if pz else label
        coded_by, not_coded_by = sides[mask]
        out.append(Disagreement(
            code_id=code_id, segment_id=seg, source=pz.text(source) if pz else source, speaker=speaker,
            line=line, timestamp=ts, text=pz.text(text) if pz else text,
            coded_by=list(coded_by), not_coded_by=list(not_coded_by)))
    return out
