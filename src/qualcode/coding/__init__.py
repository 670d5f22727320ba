"""Coding: suggestions stored as codings, decisions (accept, reject, manual and span coding,
uncode, undo), the review session, memos, the audit trail, CSV import and merging another
coder's project. Library functions only: they return data and never print."""
