"""When a path through the code under test surely runs, so a finding on it is `certain`: loops whose body
runs at least once."""

from __future__ import annotations

from pathlib import Path

from gapfinder.doctor.lint import lint
from gapfinder.doctor.rules import RULES
from doctor_project import write_project

ALL = frozenset(r.code for r in RULES)


def project(tmp_path: Path, code: str, test: str) -> Path:
    return write_project(tmp_path, {"app/code.py": code, "tests/__init__.py": "", "tests/test_code.py": test})


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


POOL = """
    class Pool:
        def __init__(self, client, leases):
            self.client = client
            self.leases = leases

        def _lease(self):
            return self.leases.pop() if self.leases else None

        async def _acquire(self):
            lease = self._lease()
            if lease is None:
                return None
            if not self.client.is_connected():
                await self.client.connect()
            return self.client

        async def _pick(self, phone=None):
            if phone:
                found = await self._by_phone(phone)
                if found:
                    return found
            return await self._acquire()

        async def _by_phone(self, phone):
            return None

        async def fetch(self, name, phone=None):
            client = await self._pick(phone)
            if not client:
                raise RuntimeError("no client")
            return await client.get(name)

        async def fetch_or_none(self, name):
            client = await self._acquire()
            if client is None:
                return None
            return await client.get(name)

        async def fetch_default(self, name, phone=None):
            phone = phone or "+0"
            client = await self._pick(phone)
            if not client:
                raise RuntimeError("no client")
            return await client.get(name)

        async def fetch_caught(self, name):
            try:
                client = await self._acquire()
                if not client:
                    raise RuntimeError("no client")
            except RuntimeError:
                return None
            return await client.get(name)
"""


def test_a_result_the_caller_raises_on_and_a_falsy_default_put_a_helper_s_path_on_the_straight_path(tmp_path):
    project(tmp_path, POOL, """
        from unittest.mock import AsyncMock
        from app.code import Pool

        async def test_fetch():
            client = AsyncMock()
            await Pool(client, [1]).fetch("a")

        async def test_fetch_by_phone():
            client = AsyncMock()
            await Pool(client, [1]).fetch("a", "+1")

        async def test_fetch_or_none():
            client = AsyncMock()
            await Pool(client, [1]).fetch_or_none("a")

        async def test_fetch_default():
            client = AsyncMock()
            await Pool(client, [1]).fetch_default("a")

        async def test_fetch_caught():
            client = AsyncMock()
            await Pool(client, [1]).fetch_caught("a")
    """)
    # fetch raises unless _pick returns a client, and the test expects no raise: _acquire's `return None` is
    # not the path taken, and `if phone:` is false with phone left at None: `is_connected()` surely runs.
    # Passing a phone (or rebinding it before the branch), returning None instead of raising, or raising inside
    # a try: nothing says so.
    assert codes(tmp_path) == [("GF101", 6, "certain"), ("GF101", 10, "likely"), ("GF101", 14, "likely"),
                               ("GF101", 18, "likely"), ("GF101", 22, "likely")]


RUNNER = """
    import asyncio


    def adapt(session):
        return session


    async def run_guarded(coro, timeout):
        return await asyncio.wait_for(coro, timeout)


    async def resolve(session, peer):
        session = adapt(session)
        return await run_guarded(session.lookup(peer), timeout=5)
"""


def test_a_method_of_the_double_a_replaced_function_returns_makes_the_coroutine_a_patched_runner_drops(tmp_path):
    project(tmp_path, RUNNER, """
        from unittest.mock import AsyncMock, MagicMock, patch
        from app.code import resolve

        async def test_async_session():
            session = AsyncMock()
            with patch("app.code.adapt", return_value=session), \\
                    patch("app.code.run_guarded", side_effect=TimeoutError):
                await resolve(session, "p")

        async def test_sync_session():
            session = MagicMock()
            with patch("app.code.adapt", return_value=session), \\
                    patch("app.code.run_guarded", side_effect=TimeoutError):
                await resolve(session, "p")
    """)
    # `session.lookup(peer)` is a call of an AsyncMock's method (adapt was told to return it): a coroutine the
    # raising runner drops, certain; a MagicMock's method makes none: nothing sure is dropped
    assert codes(tmp_path) == [("GF107", 8, "certain"), ("GF107", 14, "likely")]


COG = """
    class Cog:
        def __init__(self, bot):
            self.bot = bot

        async def sync(self):
            await self.bot.fetch()

        def name(self):
            return "cog"


    async def refresh(bot):
        await bot.fetch()
"""


def test_a_coroutine_the_test_makes_and_never_awaits(tmp_path):
    project(tmp_path, COG, """
        from unittest.mock import AsyncMock, MagicMock
        from app.code import Cog, refresh

        def test_type_of_a_coroutine():
            cog = Cog(AsyncMock())
            assert type(cog.sync()).__name__ == "coroutine"

        async def test_forgot_await():
            bot = AsyncMock()
            refresh(bot)
            cog = Cog(bot)
            cog.sync()
            await cog.sync()
            cog.name()
            type(cog.name())
            bot.fetch()

        async def test_replaced_method():
            cog = Cog(AsyncMock())
            cog.sync = MagicMock()
            cog.sync()
    """)
    # the test's own calls of an `async def` whose coroutine goes to type() or is dropped as a statement; an
    # awaited call, a sync method, a double's method and a method the test replaced make no such coroutine
    assert [f for f in codes(tmp_path) if f[0] == "GF112"] == [
        ("GF112", 7, "certain"), ("GF112", 11, "certain"), ("GF112", 13, "certain")]


WRAPPER = """
    class Channel:
        def __init__(self, rest):
            self.rest = rest

        def history(self, limit):
            return self.rest.fetch_messages(limit)
"""


def test_a_coroutine_a_sync_wrapper_returns_to_a_test_that_awaits_it_is_awaited(tmp_path):
    project(tmp_path, WRAPPER, """
        from unittest.mock import AsyncMock
        from app.code import Channel

        async def test_awaits_what_history_returns():
            rest = AsyncMock()
            await Channel(rest).history(5)
            rest.fetch_messages.assert_called_once_with(5)

        def test_drops_what_history_returns():
            rest = AsyncMock()
            Channel(rest).history(5)
    """)
    # the test awaits the coroutine `history` hands back: `fetch_messages` is awaited (its assert_called* is the
    # test's only check: GF110), not called without await; a test that drops it never awaits it (GF101)
    assert codes(tmp_path) == [("GF110", 8, "certain"), ("GF101", 11, "certain")]
