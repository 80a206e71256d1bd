"""channels layer (see DESIGN.md)."""
