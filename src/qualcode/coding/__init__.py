"""Coding decisions: suggestions stored as codings, accept/reject, manual coding."""
