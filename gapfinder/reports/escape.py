"""Escaping for the places a report's text lands: Markdown table cells."""

from __future__ import annotations


def md_cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")
