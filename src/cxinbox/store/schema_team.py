"""Migration 3: team workflow (mentions, merge/split, contacts)."""

from __future__ import annotations

MIGRATION_3 = """
SELECT 1;
"""
