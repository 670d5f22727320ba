"""Build this folder's benchmark files (documents.jsonl, codings.jsonl) from fg*.txt.

The focus groups are written one turn per line, ``Speaker: text``; a hand-coded turn ends
with its codes' short ids in double brackets (``... [[EX; DE]]``). Each coding spans the
whole turn (speaker label included), so under the benchmark protocol (utterance unit) the
codes are gold for that line. Rerun after editing a focus group:

    python benchmarks/paraphrase/build.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODES = {
    "EX": "Emotional exhaustion",
    "DE": "Detachment from patients",
    "MC": "Maladaptive coping",
    "WL": "Work-life conflict",
    "SY": "Frustration with the system",
    "BS": "Barriers to sharing",
    "SS": "Shared struggles among peers",
    "TS": "Trust and confidentiality in the group",
    "RM": "Mentor as role model",
    "MA": "Access to mentoring",
}
_MARK = re.compile(r"\s*\[\[([A-Z; ]+)\]\]\s*$")


def build(folder: Path = HERE) -> tuple[list[dict[str, str]], list[dict[str, object]]]:
    documents: list[dict[str, str]] = []
    codings: list[dict[str, object]] = []
    for path in sorted(folder.glob("fg*.txt")):
        doc_id = path.stem
        lines: list[str] = []
        offset = 0
        for raw in path.read_text(encoding="utf-8").splitlines():
            mark = _MARK.search(raw)
            line = raw[:mark.start()] if mark else raw.rstrip()
            if mark:
                for short in (s.strip() for s in mark.group(1).split(";")):
                    codings.append({"doc_id": doc_id, "code": CODES[short], "start": offset,
                                    "end": offset + len(line), "coder": "calib"})
            lines.append(line)
            offset += len(line) + 1
        documents.append({"doc_id": doc_id, "text": "\n".join(lines)})
    return documents, codings


def main() -> None:
    documents, codings = build()
    for name, rows in (("documents.jsonl", documents), ("codings.jsonl", codings)):
        with (HERE / name).open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    print(f"{len(documents)} documents, {len(codings)} codings")


if __name__ == "__main__":
    main()
