"""Lesson Markdown: the app's one renderer lives in core (lms/markdown.py)."""

from lms.markdown import TAGS, render_markdown, sanitise

__all__ = ["TAGS", "render_markdown", "sanitise"]
