"""Turning report data into Rich tables, Markdown, CSV, JSON, DOCX and HTML. No computing here."""

from __future__ import annotations

FORMATS = ("table", "md", "csv", "json")
SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".csv": "csv", ".json": "json", ".txt": "table",
                  ".docx": "docx", ".html": "html", ".htm": "html", ".yaml": "yaml", ".yml": "yaml"}
