"""Jinja2 templates shipped with gapfinder; a user's template folder overrides them file by file."""
