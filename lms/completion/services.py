"""Completion services (filled in by the refactor)."""
