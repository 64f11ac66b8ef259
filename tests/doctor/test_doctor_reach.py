"""Doubles doctor reaches through the ways real suites hand them over: a library class patched where a
project module imports it, the code a test expecting an exception still runs, and patched loop runners
(an AsyncMock runner handed a sync pass-through side_effect; other patches that make coroutines too)."""

from __future__ import annotations

from pathlib import Path

from gapfinder.doctor.lint import lint
from gapfinder.doctor.rules import RULES
from doctor_project import write_project

ALL = frozenset(r.code for r in RULES)


def findings(tmp_path: Path, code: str, test: str) -> list[tuple[str, int, str]]:
    write_project(tmp_path, {"app/code.py": code, "tests/__init__.py": "", "tests/test_code.py": test}, strip=True)
    return [(f.code, f.line, f.confidence) for f in lint([tmp_path / "tests/test_code.py"], ALL, "likely").findings]


def test_a_library_class_patched_in_the_project_module_hands_its_return_value_to_the_code(tmp_path):
    code = """
        from telethon import TelegramClient
        from app.local import Local


        async def send_code(phone):
            client = TelegramClient(phone)
            await client.connect()
            return client.session.save()
    """
    (tmp_path / "app").mkdir()
    (tmp_path / "app/local.py").write_text("class Local:\n    pass\n")
    found = findings(tmp_path, code, """
        from unittest.mock import AsyncMock, MagicMock, patch
        from app.code import send_code


        async def test_wrong():
            client = AsyncMock()
            with patch("app.code.TelegramClient", return_value=client):
                await send_code("+1")


        async def test_right():
            client = AsyncMock()
            client.session = MagicMock()
            with patch("app.code.TelegramClient", return_value=client):
                await send_code("+1")
    """)
    assert found == [("GF101", 6, "certain")]


RAISING = """
    async def register(client, data):
        response = await client.post("/register", json=data)
        response.raise_for_status()
        body = await response.aread()
        if not body.startswith(b"{"):
            raise RuntimeError("not JSON")
        return body


    async def guarded(client, data):
        if not data:
            raise ValueError("no data")
        response = await client.post("/register", json=data)
        response.raise_for_status()
        return response


    async def anywhere(client, data):
        response = await client.post("/register", json=data)
        response.raise_for_status()
        return response
"""


def test_inside_pytest_raises_the_code_before_the_raise_the_test_expects_is_compared(tmp_path):
    found = findings(tmp_path, RAISING, """
        import pytest
        from unittest.mock import AsyncMock
        from app.code import anywhere, guarded, register


        async def test_register_rejects_text():
            client = AsyncMock()
            client.post.return_value.aread.return_value = b"text"
            with pytest.raises(RuntimeError):
                await register(client, {})


        async def test_other_exception_is_not_raised_there():
            client = AsyncMock()
            with pytest.raises(KeyError):
                await register(client, {})


        async def test_guard_first():
            client = AsyncMock()
            with pytest.raises(ValueError):
                await guarded(client, {})


        async def test_only_the_first_call_surely_runs():
            client = AsyncMock()
            with pytest.raises(RuntimeError):
                await anywhere(client, {})
                await register(client, {})


        async def test_raised_by_a_collaborator():
            client = AsyncMock()
            client.post.side_effect = RuntimeError("down")
            with pytest.raises(RuntimeError):
                await anywhere(client, {})
    """)
    # only the first test (the awaited post's return_value chain the test configured, GF102): KeyError is
    # not raised by register itself, guarded raises before any use, and anywhere raises nothing itself (the
    # collaborator's side_effect does, at any point)
    assert found == [("GF102", 8, "certain")]


RUNNER = """
    async def run_with_retry(coro, **options):
        return await coro


    async def resolve(session, name):
        try:
            return await run_with_retry(session.resolve(name), retries=2)
        except TimeoutError:
            return None
"""


def test_an_async_runner_patched_with_a_pass_through_lambda_never_awaits_the_coroutine(tmp_path):
    found = findings(tmp_path, RUNNER, """
        from unittest.mock import AsyncMock, patch
        from app.code import resolve


        async def test_pass_through():
            session = AsyncMock()
            with patch("app.code.run_with_retry", side_effect=lambda coro, **kw: coro):
                await resolve(session, "x")


        async def test_awaiting_fake():
            session = AsyncMock()

            async def fake(coro, **kw):
                return await coro

            with patch("app.code.run_with_retry", side_effect=fake):
                await resolve(session, "x")
    """)
    assert found == [("GF107", 7, "certain")]


def test_other_patches_that_make_coroutines_keep_a_dropped_coroutine_certain(tmp_path):
    code = """
        import asyncio
        import sys

        from app.handlers import serve


        def main():
            return asyncio.run(serve(sys.argv[1:]))
    """
    (tmp_path / "app").mkdir()
    (tmp_path / "app/handlers.py").write_text("async def serve(args):\n    return 0\n\n\ndef plain(args):\n    return 0\n")
    found = findings(tmp_path, code, """
        from unittest.mock import patch
        from app.code import main


        @patch("sys.argv", ["prog", "serve"])
        @patch("asyncio.run")
        @patch("app.code.serve")
        def test_async_handler_patched(serve, run):
            run.return_value = 0
            assert main() == 0


        @patch("asyncio.run")
        @patch("app.code.serve", new=lambda args: 0)
        def test_sync_replacement(run):
            run.return_value = 0
            assert main() == 0
    """)
    # serve patched with an AsyncMock still makes a coroutine, dropped by the patched asyncio.run; a sync
    # replacement (a decorator's new=, passed to no parameter) hands asyncio.run no coroutine at all
    assert found == [("GF107", 9, "certain")]


def test_assert_called_on_a_coroutine_only_a_task_awaits_later_is_likely_not_certain(tmp_path):
    found = findings(tmp_path, """
        import asyncio


        async def schedule(worker):
            asyncio.get_running_loop().create_task(worker.run())


        async def bounded(worker):
            return await asyncio.wait_for(worker.run(), timeout=1)
    """, """
        from unittest.mock import AsyncMock
        from app.code import bounded, schedule


        async def test_schedule():
            worker = AsyncMock()
            await schedule(worker)
            worker.run.assert_called_once()


        async def test_bounded():
            worker = AsyncMock()
            await bounded(worker)
            worker.run.assert_called_once()
    """)
    # (the tests' only check is assert_called: GF110) the task may not have run when the test asserts, so
    # assert_awaited could fail there; wait_for awaits the coroutine before the code goes on. The coroutine
    # handed to `get_running_loop().create_task` is not one the code drops (no GF101)
    assert found == [("GF110", 8, "likely"), ("GF110", 14, "certain")]


def test_doubles_stored_by_an_inherited_or_base_class_init_reach_the_methods(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app/base.py").write_text(
        "class BaseService:\n    def __init__(self, session, *, limit=10):\n        self._session = session\n")
    found = findings(tmp_path, """
        from app.base import BaseService


        class UserService(BaseService):
            def __init__(self, session, cache):
                super().__init__(session, limit=5)
                self.cache = cache

            async def get(self, uid):
                return self._session.get(uid)


        class Plain(BaseService):
            async def get(self, uid):
                return self._session.get(uid)
    """, """
        from unittest.mock import AsyncMock, MagicMock
        from app.code import Plain, UserService


        async def test_subclass_init_calls_super():
            session = AsyncMock()
            await UserService(session, MagicMock()).get(1)


        async def test_inherited_init():
            session = AsyncMock()
            await Plain(session).get(1)
    """)
    assert found == [("GF101", 6, "certain"), ("GF101", 11, "certain")]


def test_an_object_a_project_method_or_classmethod_returns_carries_the_doubles_it_was_handed(tmp_path):
    found = findings(tmp_path, """
        class Stream:
            def __init__(self, app, *, limit=1):
                self._app = app

            async def open(self):
                await self._app.request()


        class Chunker:
            def __init__(self, app):
                self._app = app

            def stream(self, limit):
                return Stream(app=self._app, limit=limit)

            @classmethod
            def wrap(cls, app):
                chunker = cls(app)
                chunker.ready = True
                return chunker

            async def fetch(self):
                await self._app.request()
    """, """
        from unittest.mock import AsyncMock
        from app.code import Chunker


        async def test_stream_from_a_method():
            app = AsyncMock()
            stream = Chunker(app).stream(2)
            await stream.open()
            app.request.assert_called_once()


        async def test_object_from_a_classmethod():
            app = AsyncMock()
            chunker = Chunker.wrap(app)
            await chunker.fetch()
            app.request.assert_called_once()
    """)
    assert [(code, line) for code, line, _ in found] == [("GF110", 9), ("GF110", 16)]


def test_a_patched_runner_is_reported_where_the_test_sets_its_return_value_not_where_it_built_the_value(tmp_path):
    found = findings(tmp_path, """
        import asyncio


        def submit(loop, job):
            return asyncio.run_coroutine_threadsafe(job.run(), loop).result()
    """, """
        from unittest.mock import AsyncMock, MagicMock, patch
        from app.code import submit


        @patch("app.code.asyncio.run_coroutine_threadsafe")
        def test_submit(threadsafe):
            future = MagicMock()
            future.result.return_value = 1
            threadsafe.return_value = future
            assert submit(MagicMock(), AsyncMock()) == 1
    """)
    assert found == [("GF107", 9, "certain")]
