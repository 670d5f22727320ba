"""JSON output: indented when small; one compact item per line when large (fast to write)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qualcode.render import tabular


def test_small_json_is_indented() -> None:
    assert tabular.to_json({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}\n'


def test_large_json_has_one_item_per_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "LARGE_JSON", 1)
    data = {"coders": ["kim", "lee"], "overall": {"kappa": 0.5}, "rows": [{"text": "é"}, {"text": "b"}]}
    out = tabular.to_json(data)
    assert out == ('{\n"coders": [\n"kim",\n"lee"\n],\n"overall": {"kappa": 0.5},\n'
                   '"rows": [\n{"text": "é"},\n{"text": "b"}\n]\n}\n')
    assert json.loads(out) == data


def test_a_long_list_of_disagreements_is_the_json_of_their_dicts(monkeypatch: pytest.MonkeyPatch) -> None:
    """render_agreement writes a long list of disagreements a column at a time
    (analysis.disagreement_lines): the text must be what encoding each one's dict writes."""
    from qualcode.render.analysis import agreement_json, disagreement_dict, render_agreement
    from qualcode.reports.agreement import AgreementReport, Disagreement

    monkeypatch.setattr(tabular, "LARGE_JSON", 1)
    found = [Disagreement("c1", 7, "fg1.txt", "Ana", 3, None, ("kim",), ("lee",), 'She said "é"\n\ttab\x00'),
             Disagreement("c2", 7, "fg1.txt", "Ana", 3, None, ("kim", "lee"), ("pat",), 'She said "é"\n\ttab\x00'),
             Disagreement("c1", 12, "fg 2.txt", None, 9, 75.5, ("lee",), ("kim",), ""),
             Disagreement("c1", 13, "fg 2.txt", "Bo\u2028", 10, 1e-07, (), ("kim", "lee"), "x" * 3)]
    report = AgreementReport(["kim", "lee", "pat"], ["fg1.txt", "fg 2.txt"], 9, {"kappa": 0.5}, [], found, 4)
    expected = {**agreement_json(report), "disagreements": [disagreement_dict(d) for d in found]}
    assert render_agreement(report, "json") == _json(expected)
    assert render_agreement(report, "json", disagreements_only=True) == _json(expected["disagreements"])
    assert json.loads(render_agreement(report, "json"))["disagreements"][3]["timestamp"] == 1e-07


def _json(data: Any) -> str:
    """What to_json writes for a long list of ``data``'s shape (its items as dicts)."""
    out: list[str] = []
    tabular._lines(data, out)
    return "".join(out) + "\n"
