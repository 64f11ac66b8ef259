"""`--configure-pytest`: the warnings filters and pytest-asyncio's loop scope in pyproject.toml.

Only with the user's consent; otherwise the generated conftest.py adds the filters at run time.
Edits are line insertions into [tool.pytest.ini_options], so everything else keeps its bytes.
"""

from __future__ import annotations

from gapfinder.config import TOMLDecodeError, parse_toml

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
