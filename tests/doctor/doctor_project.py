"""One way to lay a small project for doctor's tests: a pyproject, an `app` package and the given files."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_project(tmp_path: Path, files: dict[str, str], newline: str = "\n", strip: bool = False) -> Path:
    """Each text is dedented (strip: its first newline dropped, so line 1 is its first line) and written with
    `newline`; `app/__init__.py` is there unless a file replaces it."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    for rel, text in {"app/__init__.py": "", **files}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = textwrap.dedent(text)
        path.write_bytes((text.lstrip("\n") if strip else text).replace("\n", newline).encode())
    return tmp_path
