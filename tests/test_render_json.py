"""JSON output: indented when small; one compact item per line when large (fast to write)."""

from __future__ import annotations

import json

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
