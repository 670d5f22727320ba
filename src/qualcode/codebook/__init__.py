"""Codebooks: the YAML format, validation with line numbers, and the in-memory model."""

from qualcode.codebook.loader import load_codebook, parse_codebook, validate_codebook
from qualcode.codebook.model import Code, Codebook

__all__ = ["Code", "Codebook", "load_codebook", "parse_codebook", "validate_codebook"]
