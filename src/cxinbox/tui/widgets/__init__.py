"""Widgets of the cxinbox TUI, one per module."""
