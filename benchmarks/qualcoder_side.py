"""QualCoder's own REFI-QDA import and export, run headless (the half of
``qualcoder_roundtrip.py`` that runs in QualCoder's Python environment).

    QT_QPA_PLATFORM=offscreen python benchmarks/qualcoder_side.py QUALCODER_SRC IN.qdpx WORKDIR

Creates an empty QualCoder project with the tables QualCoder's own ``new_project`` creates
(read from its source, not copied), imports IN.qdpx with ``RefiImport``, writes what
QualCoder now holds to WORKDIR/qualcoder_state.json, and exports the project again with
``RefiExport`` to WORKDIR/out/qualcoder-export.qdpx. Dialogs and message boxes are stubbed:
the file dialogs answer with these paths, the line-ending question with "not for MAXQDA".
Only the standard library and QualCoder's own requirements are imported here.
"""

from __future__ import annotations

import ast
import json
import os
import sqlite3
import sys
import types
from pathlib import Path
from typing import Any


def qualcoder_tables(src: Path) -> list[str]:
    """The CREATE TABLE statements of QualCoder's ``new_project``, read from its source."""
    tree = ast.parse((src / "src" / "qualcoder" / "__main__.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "new_project":
            return [call.args[0].value for call in ast.walk(node)
                    if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "execute" and call.args
                    and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
                    and call.args[0].value.startswith("CREATE TABLE")]
    raise SystemExit(f"{src}: no new_project in QualCoder's __main__.py; is this QualCoder's source?")


class Log:
    """Stands in for the text panel QualCoder reports into."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def append(self, text: str) -> None:
        self.lines.append(str(text))


class Dialog:
    """A message box or question that is answered at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.ui = types.SimpleNamespace(radioButton_maxqda=types.SimpleNamespace(isChecked=lambda: False))

    def exec(self) -> int:
        return 1


def run(src: Path, qdpx: Path, work: Path) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["HOME"] = str(work / "home")  # RefiExport prepares its files under ~/.qualcoder
    (work / "home" / ".qualcoder").mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(src / "src"))
    # QualCoder's app module pulls in its AI features (langchain, Bio, ...); the REFI code does
    # not use them, so that one module is replaced by an empty stand-in.
    ai = types.ModuleType("qualcoder.ai_llm")
    ai.get_default_ai_models = lambda *a, **k: []  # type: ignore[attr-defined]
    ai.update_ai_models = lambda *a, **k: None  # type: ignore[attr-defined]
    sys.modules["qualcoder.ai_llm"] = ai
    import builtins

    builtins.__dict__.setdefault("_", lambda s: s)  # QualCoder's gettext hook
    from PyQt6 import QtWidgets

    from qualcoder import refi
    from qualcoder.app import App

    qt = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    refi.Message = Dialog
    refi.RefiLineEndings = Dialog
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    QtWidgets.QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(qdpx), True))
    QtWidgets.QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: str(out))

    project = work / "qualcoder-export.qda"
    for sub in ("", "images", "audio", "video", "documents"):
        (project / sub).mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(project / "data.qda")
    for sql in qualcoder_tables(src):
        conn.execute(sql)
    app = types.SimpleNamespace(
        conn=conn, project_path=str(project), project_name=project.name, version="QualCoder (headless benchmark)",
        settings={"directory": str(work), "codername": "default", "ai_enable": "False"}, ai_models=[],
        write_config_ini=lambda *a, **k: None, project_events=None)
    app.get_last_project_coder = lambda: ""
    app.update_coder_names = lambda: App.update_coder_names(app)
    app.get_annotations = lambda: App.get_annotations(app)
    app.update_coder_names()
    conn.execute("INSERT INTO project VALUES(?,?,?,?,?,?,?,?,null,null,null)",
                 ("v17", "2026-01-01 00:00:00", "", app.version, 0, 0, "default", ""))
    conn.commit()

    log = Log()
    refi.RefiImport(app, log, "qdpx")
    app.update_coder_names()
    state = dump(conn)
    state["log"] = log.lines
    refi.RefiExport(app, Log(), "project")
    exported = out / "qualcoder-export.qdpx"
    state["exported"] = str(exported) if exported.exists() else None
    qt.processEvents()
    return state


def dump(conn: sqlite3.Connection) -> dict[str, Any]:
    """What QualCoder holds after its import, as plain data."""
    q = conn.execute
    return {
        "codings": [list(r) for r in q(
            "SELECT s.name, c.name, t.owner, t.pos0, t.pos1, t.seltext, ifnull(t.memo, ''), t.date FROM code_text t "
            "JOIN source s ON s.id = t.fid LEFT JOIN code_name c ON c.cid = t.cid ORDER BY 1, 4, 5, 2, 3")],
        "source_memos": [list(r) for r in q("SELECT name, ifnull(memo, '') FROM source ORDER BY name")],
        "source_texts": {r[0]: r[1] for r in q("SELECT name, fulltext FROM source")},
        "code_memos": [list(r) for r in q("SELECT name, ifnull(memo, '') FROM code_name ORDER BY name")],
        "journals": [list(r) for r in q("SELECT name, jentry, owner FROM journal ORDER BY name")],
        "cases": [list(r) for r in q("SELECT name, ifnull(memo, '') FROM cases ORDER BY name")],
        "case_text": [list(r) for r in q(
            "SELECT c.name, s.name, t.pos0, t.pos1 FROM case_text t JOIN cases c ON c.caseid = t.caseid "
            "JOIN source s ON s.id = t.fid ORDER BY 1, 2, 3")],
        "annotations": q("SELECT count(*) FROM annotation").fetchone()[0],
        "attributes": [list(r) for r in q("SELECT name, attr_type, value, id FROM attribute ORDER BY 1, 2, 4")],
        "attribute_types": [list(r) for r in q("SELECT name, caseOrFile, valuetype FROM attribute_type ORDER BY 1")],
    }


def main() -> None:
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    src, qdpx, work = (Path(a).resolve() for a in sys.argv[1:])
    state = run(src, qdpx, work)
    (work / "qualcoder_state.json").write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
