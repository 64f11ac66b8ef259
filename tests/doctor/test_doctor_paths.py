"""When a path through the code under test surely runs, so a finding on it is `certain`: loops whose body
runs at least once."""

from __future__ import annotations

import textwrap
from pathlib import Path

from gapfinder.doctor.lint import lint
from gapfinder.doctor.rules import RULES

ALL = frozenset(r.code for r in RULES)


def project(tmp_path: Path, code: str, test: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    for rel, text in {"app/__init__.py": "", "app/code.py": code, "tests/__init__.py": "",
                      "tests/test_code.py": test}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def codes(tmp_path: Path) -> list[tuple[str, int, str]]:
    return [(f.code, f.line, f.confidence) for f in lint([tmp_path / "tests/test_code.py"], ALL, "likely").findings]


LOOPS = """
    async def retry(client):
        for attempt in range(3):
            if client.is_ready():
                return await client.send()
        return None


    async def spin(client):
        while True:
            if client.is_ready():
                return await client.send()


    async def bounded(client, tries):
        for attempt in range(max(1, tries)):
            if client.is_ready():
                return await client.send()


    async def each(client, items):
        for item in items:
            if client.is_ready():
                return await client.send()


    async def never(client):
        for attempt in range(0):
            if client.is_ready():
                return await client.send()
"""


def test_a_loop_that_surely_runs_puts_its_first_pass_on_the_straight_path(tmp_path):
    project(tmp_path, LOOPS, """
        from unittest.mock import AsyncMock
        from app.code import bounded, each, never, retry, spin

        async def test_retry():
            client = AsyncMock()
            await retry(client)

        async def test_spin():
            client = AsyncMock()
            await spin(client)

        async def test_bounded():
            client = AsyncMock()
            await bounded(client, 0)

        async def test_each():
            client = AsyncMock()
            await each(client, [1])

        async def test_never():
            client = AsyncMock()
            await never(client)
    """)
    # `is_ready()` is called without await on an AsyncMock: on the first pass of `range(3)`, `while True` and
    # `range(max(1, n))` it surely runs (certain); over a variable or an empty range nothing says the body runs
    assert codes(tmp_path) == [("GF101", 6, "certain"), ("GF101", 10, "certain"), ("GF101", 14, "certain"),
                               ("GF101", 18, "likely"), ("GF101", 22, "likely")]
