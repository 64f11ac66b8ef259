"""`--configure-pytest`: the warnings filters and pytest-asyncio's loop scope in the file pytest reads.

Only with the user's consent; otherwise the generated conftest.py adds the filters at run time.
pytest reads the first of pytest.ini, .pytest.ini, pyproject.toml, tox.ini, setup.cfg that holds
its settings (core.pytest_config knows the order); editing another file would change nothing.
Edits are line insertions, so everything else keeps its bytes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from gapfinder.config import TOMLDecodeError, parse_toml
from gapfinder.core.files import TextFile, edit_text
from gapfinder.core.pytest_config import read_settings

FILTERS = ("error::RuntimeWarning", "error::pytest.PytestUnraisableExceptionWarning")
TABLE = "[tool.pytest.ini_options]"


def configure(text: str | None) -> str | None:
    """pyproject.toml's text with the settings added; None when it cannot be edited safely."""
    text = text or ""
    try:
        options = parse_toml(text).get("tool", {}).get("pytest", {}).get("ini_options")
    except TOMLDecodeError:
        return None
    additions: list[str] = []
    if options is None:
        body = [f"filterwarnings = [{', '.join(_q(f) for f in FILTERS)}]",
                'asyncio_default_fixture_loop_scope = "function"']
        return text.rstrip("\n") + ("\n\n" if text.strip() else "") + TABLE + "\n" + "\n".join(body) + "\n"
    lines = text.splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if line.strip() == TABLE)
    existing = options.get("filterwarnings")
    if existing is None:
        additions.append(f"filterwarnings = [{', '.join(_q(f) for f in FILTERS)}]\n")
    elif isinstance(existing, list):
        missing = [f for f in FILTERS if f not in existing]
        if missing:
            start = next((i for i in range(header + 1, len(lines))
                          if lines[i].lstrip().startswith("filterwarnings") and lines[i].rstrip().endswith("[")), None)
            if start is None:
                return None  # a one-line list: rewriting it would change the user's bytes
            lines[start + 1 : start + 1] = [f"    {_q(f)},\n" for f in missing]
    else:
        return None
    if "asyncio_default_fixture_loop_scope" not in options:
        additions.append('asyncio_default_fixture_loop_scope = "function"\n')
    lines[header + 1 : header + 1] = additions
    return "".join(lines)


def _q(value: str) -> str:
    return f'"{value}"'


INI_SECTIONS = {"pytest.ini": "pytest", ".pytest.ini": "pytest", "tox.ini": "pytest", "setup.cfg": "tool:pytest"}


def configured_file(
    root: Path, read: Callable[[Path, str], TextFile | None],
) -> tuple[str, TextFile | None, str] | None:
    """(the configuration file pytest reads, its text as it is, its edited text); None when that file
    cannot be edited safely."""
    name = read_settings(root).config_file or "pyproject.toml"
    if name == "pyproject.toml":
        edit: Callable[[str | None], str | None] = configure
    elif name in INI_SECTIONS:
        section = INI_SECTIONS[name]
        edit = lambda text: configure_ini(text, section)  # noqa: E731
    else:
        return None
    existing = read(root, name)
    new = edit_text(existing, edit)
    return None if new is None else (name, existing, new)


def configure_ini(text: str | None, section: str) -> str | None:
    """An ini file's text with the filters and loop scope added to its [section]."""
    lines = (text or "").splitlines(keepends=True)
    header = next((i for i, line in enumerate(lines) if line.strip() == f"[{section}]"), None)
    if header is None:
        return None
    end = next((i for i in range(header + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    keys = {}
    for i in range(header + 1, end):
        match = re.match(r"([A-Za-z_][\w-]*)\s*[=:]", lines[i])
        if match:
            keys[match.group(1)] = i
    if "filterwarnings" in keys:
        start = keys["filterwarnings"]
        last = start
        while last + 1 < end and lines[last + 1][:1] in (" ", "\t") and lines[last + 1].strip():
            last += 1
        present = "".join(lines[start : last + 1])
        missing = [f"    {f}\n" for f in FILTERS if f not in present]
        lines[last + 1 : last + 1] = missing
    else:
        lines[header + 1 : header + 1] = ["filterwarnings =\n"] + [f"    {f}\n" for f in FILTERS]
    if "asyncio_default_fixture_loop_scope" not in keys:
        lines.insert(header + 1, "asyncio_default_fixture_loop_scope = function\n")
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return "".join(lines)
