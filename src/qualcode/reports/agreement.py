"""Inter-coder agreement at the segment (turn) level and at the character level.

The units are the speech segments (turns) of the sources that every compared coder has
coded (at least one accepted coding each), or of the sources the caller names. For each code,
each coder rates each unit "coded" (an accepted coding of that code touching the segment) or
"not coded". Per code we report prevalence (share of the ratings that are "coded"), percent
agreement (share of units on which all coders agree), Cohen's kappa (two coders only),
Krippendorff's alpha (nominal, any number of coders) and Gwet's AC1 (any number of coders);
"overall" pools every (segment, code) pair into one set of units. Every unit on which the
coders differ is listed as a disagreement to discuss.

The same figures are computed with the characters of those turns as units
(:mod:`qualcode.reports.characters`), as NVivo's coding comparison does: two coders who
coded the same turn but different words of it agree at the turn level and only partly at
the character level.

Facilitators' turns are units only when a compared coder coded them by hand (a deliberate
decision to compare) or ``include_facilitators`` is given; otherwise the turns nobody would
code (questions, "thank you") would inflate the agreement.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from qualcode.coding.common import require_codes, require_sources
from qualcode.errors import QualcodeError
from qualcode.reports.beside import Beside
from qualcode.reports.coded import coded_arrays, collector_paused, segment_table_if_read
from qualcode.reports.common import CodeNode, code_tree
from qualcode.reports.pseudonymise import load_pseudonymiser
from qualcode.reports.statistics import BinaryTally

if TYPE_CHECKING:
    import numpy as np

    from qualcode.reports.characters import CharacterReads
    from sqlite_utils import Database


@dataclass
class CodeAgreement:
    code_id: str
    name: str
    percent_agreement: float | None
    kappa: float | None
    alpha: float | None
    coded: dict[str, int]        # coder -> units coded
    prevalence: float | None = None
    ac1: float | None = None
    # With ``characters=True``, the same figures with characters as units: prevalence,
    # percent_agreement, kappa, alpha, ac1 and coded (coder -> characters coded).
    characters: dict[str, Any] | None = None


class Disagreement(NamedTuple):
    """One unit on which the coders differ. A named tuple, not a dataclass: a big project has
    tens of thousands of them, and the fields are in the JSON output's order (``_asdict``)."""

    code_id: str
    segment_id: int
    source: str
    speaker: str | None
    line: int
    timestamp: float | None
    coded_by: tuple[str, ...]
    not_coded_by: tuple[str, ...]
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
    characters: dict[str, Any] | None = None  # {"units": N, "overall": {...}} with characters=True


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def list_coders(db: "Database") -> list[str]:
    return sorted(coder_sources(db))


# One index step per (coder, source) pair instead of reading every coding: the next coder
# after the last one, then that coder's next source after the last one. The partial index
# codings_coder_source (migration m007) holds exactly the accepted codings; SQLite does not
# pick it unaided.
_CODER_SOURCES = """
WITH RECURSIVE coders(coder) AS (
    SELECT min(coder) FROM codings INDEXED BY codings_coder_source WHERE status = 'accepted' AND coder IS NOT NULL
    UNION ALL
    SELECT (SELECT min(coder) FROM codings INDEXED BY codings_coder_source
            WHERE status = 'accepted' AND coder > coders.coder)
    FROM coders WHERE coder IS NOT NULL
), coded(coder, source_id) AS (
    SELECT coder, (SELECT min(source_id) FROM codings INDEXED BY codings_coder_source
                   WHERE status = 'accepted' AND coder = coders.coder)
    FROM coders WHERE coder IS NOT NULL
    UNION ALL
    SELECT coder, (SELECT min(source_id) FROM codings INDEXED BY codings_coder_source
                   WHERE status = 'accepted' AND coder = coded.coder AND source_id > coded.source_id)
    FROM coded WHERE source_id IS NOT NULL
)
SELECT coder, group_concat(source_id) FROM coded WHERE source_id IS NOT NULL GROUP BY coder
"""


def coder_sources(db: "Database") -> dict[str, set[int]]:
    """Each coder with accepted codings, and the sources they coded."""
    return {coder: set(json.loads(f"[{sources}]")) for coder, sources in db.execute(_CODER_SOURCES)}


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
                     coded: dict[str, set[int]] | None = None,
                     include_facilitators: bool = False, characters: bool = False) -> AgreementReport:
    """``max_disagreements`` lists only the first N (in transcript order) while still counting
    all; ``coded`` is :func:`coder_sources`' answer when the caller already has it;
    ``characters`` adds the character level (about half a second more at a million codings,
    so only when asked)."""
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
    reads = None
    if characters:  # numpy: only when agreement is asked for; read beside the turn level's reads
        from qualcode.reports.characters import CharacterReads

        reads = CharacterReads(db, src_ids)
    units, results, overall, diffs, skipped = _compare(db, tree, chosen, src_ids, include_facilitators)
    summary = {"units": overall.units, "percent_agreement": _round(overall.percent_agreement()),
               "kappa": _round(overall.kappa()), "alpha": _round(overall.alpha()),
               "mean_kappa": _mean([r.kappa for r in results]), "mean_alpha": _mean([r.alpha for r in results]),
               "prevalence": _round(overall.prevalence()), "ac1": _round(overall.ac1()),
               "mean_ac1": _mean([r.ac1 for r in results])}
    report = AgreementReport(chosen, [n for _, n in picked], units, summary, results)
    if reads is not None:
        report.characters = _by_character(reads, results, chosen, skipped)
    report.disagreement_count = sum(len(segs) for _code, _mask, segs in diffs)
    with collector_paused():
        report.disagreements = _disagreements(db, diffs, src_ids, chosen, pseudonymise, max_disagreements)
    return report


Diffs = list[tuple[str, int, set[int]]]  # (code, bitmask of the coders who coded, segments), codebook order


def _compare(db: "Database", tree: list[CodeNode], coders: list[str], src_ids: list[int],
             include_facilitators: bool = False) -> tuple[int, list[CodeAgreement], BinaryTally, Diffs, set[int]]:
    """The units, each code's agreement, all codes pooled, and the units on which the coders
    differ. Each coder's segments of a code are a boolean array over segment ids (numpy: a
    million codings never become Python numbers or sets); only the segments on which the
    coders differ become sets. A function of its own so that the arrays are freed before the
    disagreements are built."""
    import numpy as np

    units_read = _units(db, src_ids)  # beside the coded segments' read: they do not depend on each other
    ids = coded_arrays(db, include_facilitators=include_facilitators)
    units, unit = units_read()
    size = len(unit)

    def coded(code_id: str, coder: str) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        segs = ids.get((code_id, coder))
        if segs is not None:
            # A turn ingested since the units were read (another process, meanwhile) is not a unit.
            mask[segs[segs < size] if len(segs) and segs.max() >= size else segs] = True
        return mask
    uncoded: set[int] = set()
    if not include_facilitators:
        chosen = set(coders)
        anyone = np.zeros(size, dtype=bool)
        for (_code, coder), segs in ids.items():
            if coder in chosen:
                anyone[segs[segs < size]] = True
        uncoded = {seg for (seg,) in db.execute(
            "SELECT s.id FROM speakers sp CROSS JOIN segments s ON s.speaker_id = sp.id WHERE sp.role = 'facilitator' "
            "AND s.kind = 'speech' AND s.source_id IN (SELECT value FROM json_each(?))", [json.dumps(src_ids)])
            if not anyone[seg]}
        units -= len(uncoded)
        unit[list(uncoded)] = False
    overall = BinaryTally(len(coders))
    results: list[CodeAgreement] = []
    diffs: Diffs = []
    for node in tree:
        per_coder = [coded(node.id, c) & unit for c in coders]
        tally, by_mask = _tally(per_coder, units)
        diffs += [(node.id, mask, segs) for mask, segs in by_mask.items() if segs]
        overall.add(tally)
        results.append(CodeAgreement(node.id, node.name, _round(tally.percent_agreement()), _round(tally.kappa()),
                                     _round(tally.alpha()), {c: tally.per_coder[k] for k, c in enumerate(coders)},
                                     _round(tally.prevalence()), _round(tally.ac1())))
    return units, results, overall, diffs, uncoded


def figures(tally: BinaryTally) -> dict[str, float | None]:
    """Every statistic of one tally, rounded, in the JSON output's order."""
    return {"prevalence": _round(tally.prevalence()), "percent_agreement": _round(tally.percent_agreement()),
            "kappa": _round(tally.kappa()), "alpha": _round(tally.alpha()), "ac1": _round(tally.ac1())}


def _by_character(reads: "CharacterReads", results: list[CodeAgreement], coders: list[str],
                  skipped: set[int]) -> dict[str, Any]:
    """Fill each code's ``characters`` figures; return the character units and the pooled
    figures (with the means over codes, as at the turn level). The turns the turn level
    leaves out (facilitators' turns nobody coded) are left out here too."""
    from qualcode.reports.characters import character_tallies

    units, tallies = character_tallies(reads, [r.code_id for r in results], coders, skipped)
    overall = BinaryTally(len(coders))
    per_code = []
    for r in results:
        tally = tallies[r.code_id]
        overall.add(tally)
        r.characters = {**figures(tally), "coded": {c: tally.per_coder.get(k, 0) for k, c in enumerate(coders)}}
        per_code.append(r.characters)
    pooled: dict[str, Any] = {"units": overall.units, **figures(overall)}
    for stat in ("kappa", "alpha", "ac1"):
        pooled[f"mean_{stat}"] = _mean([c[stat] for c in per_code])
    return {"units": units, "overall": pooled}


def _units(db: "Database", src_ids: list[int]) -> Callable[[], tuple[int, "np.ndarray"]]:
    """A function giving the number of units (the speech segments of these sources) and a
    boolean array over segment ids, true for the units (and for ids no segment has: never
    coded). From the segment table when reports built together have read it (``report
    html``), else from the segments (a scan of every turn's row), read beside the caller's
    next reads (:class:`~qualcode.reports.beside.Beside`)."""
    import numpy as np

    table = segment_table_if_read(db)
    if table is not None:
        unit = np.array(table.speech, dtype=bool) & np.isin(np.array(table.source, dtype=np.int64), src_ids)
        found = int(np.count_nonzero(unit)), unit
        return lambda: found
    query = Beside(db, "SELECT sum(unit), group_concat(CASE WHEN NOT unit THEN id END), max(id) FROM (SELECT id, "
                       "kind = 'speech' AND source_id IN (SELECT value FROM json_each(?)) AS unit FROM segments)",
                   [json.dumps(src_ids)])

    def read() -> tuple[int, "np.ndarray"]:
        units, others, top = query.rows()[0]
        unit = np.ones((top or 0) + 1, dtype=bool)
        unit[0] = False  # no segment has id 0
        unit[json.loads(f"[{others or ''}]")] = False
        return units or 0, unit
    return read


def _tally(per_coder: list["np.ndarray"], units: int) -> tuple[BinaryTally, dict[int, set[int]]]:
    """The counts for one code, and the segments on which the coders differ, by the bitmask
    of the coders who coded them (``per_coder``: each coder's units coded, a boolean array)."""
    import numpy as np

    m = len(per_coder)
    tally = BinaryTally(m, units=units)
    for k, segs in enumerate(per_coder):
        tally.per_coder[k] = int(np.count_nonzero(segs))
    if m == 2:  # array algebra, no loop over segments
        a, b = per_coder
        only_a, only_b = a & ~b, b & ~a
        tally.histogram[2] = int(np.count_nonzero(a & b))
        tally.histogram[1] = int(np.count_nonzero(only_a)) + int(np.count_nonzero(only_b))
        return tally, {1: set(np.flatnonzero(only_a).tolist()), 2: set(np.flatnonzero(only_b).tolist())}
    masks = np.zeros(len(per_coder[0]), dtype=np.int64)
    for k, segs in enumerate(per_coder):
        masks |= segs.astype(np.int64) << k
    full = (1 << m) - 1
    by_mask: dict[int, set[int]] = {}
    for mask in np.unique(masks[masks > 0]).tolist():
        where = np.flatnonzero(masks == mask)
        tally.histogram[bin(mask).count("1")] += len(where)
        if mask != full:
            by_mask[mask] = set(where.tolist())
    return tally, by_mask


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 3) if present else None


# segment -> (code, bitmask of the coders who coded it), in codebook order. Tuples, not lists:
# the garbage collector stops tracking tuples of strings and numbers, while tens of thousands
# of lists would make it walk every coded set again and again.
Differing = dict[int, tuple[tuple[str, int], ...]]


def _disagreements(db: "Database", diffs: Diffs, src_ids: list[int], coders: list[str], pseudonymise: bool,
                   limit: int | None = None) -> list[Disagreement]:
    """The disagreements in transcript order (source name, turn, then codebook order); only
    the first ``limit`` are read when there are more."""
    if limit is not None and limit < sum(len(segs) for _code, _mask, segs in diffs):
        differing: Differing = {seg: tuple((code, mask) for code, mask, segs in diffs if seg in segs)
                                for seg in _first_segments(db, diffs, src_ids, limit)}
    else:
        differing = _by_segment(diffs)
    if not differing:
        return []
    pz = load_pseudonymiser(db) if pseudonymise else None
    sides = {mask: (tuple(c for k, c in enumerate(coders) if mask >> k & 1),
                    tuple(c for k, c in enumerate(coders) if not mask >> k & 1))
             for _code, mask, _segs in diffs}
    names = dict(db.execute("SELECT id, name FROM sources"))
    people = {spk: (label, pid) for spk, label, pid in db.execute("SELECT id, label, participant_id FROM speakers")}
    # The segments in id order (the table's), joined and sorted here: SQLite's sort carried
    # every turn's text, and cost more than the rest of the list. Names sort as SQLite sorts
    # them (by code point); a source's ordinals are unique, so the order is the same. (Not
    # read beside anything: a thread fetching rows one by one fights the other for the GIL.)
    rows = db.execute("SELECT s.id, s.source_id, s.ordinal, s.speaker_id, s.line, s.timestamp, s.text "
                      "FROM json_each(?) j CROSS JOIN segments s ON s.id = j.value",
                      [json.dumps(sorted(differing))]).fetchall()
    by_name = sorted(names, key=names.__getitem__)
    if by_name == sorted(names):  # sources ingested in name order (the usual case): sort by their ids
        rows.sort(key=itemgetter(1, 2))
    else:
        rank = {sid: k for k, sid in enumerate(by_name)}
        rows.sort(key=lambda r: (rank.get(r[1], -1), r[2]))
    if not all(map(names.__contains__, map(itemgetter(1), rows))):
        rows = [r for r in rows if r[1] in names]  # no such source: the segment is no longer there
    # A column at a time, each a pass in C (map, zip): a hundred thousand disagreements never
    # go through a Python loop (which cost as much as the comparison itself).
    found = list(map(differing.__getitem__, map(itemgetter(0), rows)))  # (code, mask) pairs per row
    if any(len(pairs) != 1 for pairs in found):  # turns with several codes in dispute: a row per code
        rows = [row for row, pairs in zip(rows, found) for _pair in pairs]
        pairs = [pair for several in found for pair in several]
    else:
        pairs = list(map(itemgetter(0), found))
    seg, source_id, _ordinal, speaker_id, line, ts, text = (list(map(itemgetter(k), rows)) for k in range(7))
    source = list(map(names.__getitem__, source_id))
    who = list(map(people.get, speaker_id, repeat((None, None), len(rows))))
    label = list(map(itemgetter(0), who))
    if pz is not None:
        source = list(map(pz.source, source))
        label = list(map(pz.speaker, label, map(itemgetter(1), who), speaker_id))
        text = list(map(pz.text, text))
    coded_by, not_coded_by = zip(*map(sides.__getitem__, map(itemgetter(1), pairs))) if pairs else ((), ())
    out = list(map(_disagreement, zip(map(itemgetter(0), pairs), seg, source, label, line, ts, coded_by,
                                           not_coded_by, text)))
    return out if limit is None else out[:limit]


# Disagreement._make without its Python frame: a C call per disagreement.
_disagreement = functools.partial(tuple.__new__, Disagreement)


def _by_segment(diffs: Diffs) -> Differing:
    out: Differing = {}
    for code, mask, segs in diffs:
        item = ((code, mask),)
        for seg in segs:
            if seg in out:
                out[seg] += item
            else:
                out[seg] = item
    return out


def _first_segments(db: "Database", diffs: Diffs, src_ids: list[int], limit: int) -> list[int]:
    """The first segments in transcript order that hold ``limit`` disagreements (a source at a
    time, so that a short list reads only the first sources)."""
    differing = set().union(*(segs for _code, _mask, segs in diffs))
    out, found = [], 0
    for (sid,) in db.execute("SELECT id FROM sources WHERE id IN (SELECT value FROM json_each(?)) ORDER BY name",
                             [json.dumps(src_ids)]).fetchall():
        for (seg,) in db.execute("SELECT id FROM segments WHERE source_id = ? ORDER BY ordinal", [sid]):
            if seg in differing:
                out.append(seg)
                found += sum(seg in segs for _code, _mask, segs in diffs)
                if found >= limit:
                    return out
    return out
