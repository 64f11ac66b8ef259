"""Shapes met on fresh upstream fixes (benchmarks/doctor_corpus/fresh.json), written from the general pattern."""

from __future__ import annotations

from pathlib import Path

from gapfinder.doctor.lint import lint
from gapfinder.doctor.rules import RULES
from doctor_project import write_project

ALL = frozenset(r.code for r in RULES)

CODE = """
    async def join(federation, room):
        event = await federation.do_join(room)
        return event
"""


def codes(tmp_path: Path, rel: str) -> list[tuple[str, int, str]]:
    return [(f.code, f.line, f.confidence) for f in lint([tmp_path / rel], ALL, "likely").findings]


def test_a_sync_helper_that_returns_a_fresh_coroutine_makes_an_eager_return_value(tmp_path):
    write_project(tmp_path, {"app/code.py": CODE, "tests/__init__.py": "", "tests/common.py": """
        def mock_coro(return_value=None, exception=None):
            return mock_coro_func(return_value, exception)()


        def mock_coro_func(return_value=None, exception=None):
            async def coro(*args, **kwargs):
                if exception:
                    raise exception
                return return_value

            return coro


        def wrapped(value):
            async def inner():
                return value

            return inner()


        def maybe(value):
            if value is None:
                return None
            return mock_coro(value)


        def factory(value):
            return mock_coro_func(value)
    """, "tests/test_e.py": """
        from unittest.mock import Mock
        from app.code import join
        from tests.common import factory, maybe, mock_coro, wrapped

        async def test_join():
            federation = Mock()
            federation.do_join = Mock(return_value=mock_coro("e1"))
            assert await join(federation, "r") == "e1"

        async def test_join_wrapped():
            federation = Mock()
            federation.do_join.return_value = wrapped("e1")
            assert await join(federation, "r") == "e1"

        async def test_not_always_a_coroutine():
            federation = Mock()
            federation.do_join = Mock(return_value=maybe("e1"))
            federation.make = Mock(return_value=factory("e1"))
            federation.per_call = Mock(side_effect=lambda *a: mock_coro("e1"))
            assert await join(federation, "r") == "e1"
    """})
    # `maybe` may return None and `factory` returns the async function itself (no coroutine made yet)
    assert codes(tmp_path, "tests/test_e.py") == [("GF111", 8, "certain"), ("GF111", 13, "certain")]


def test_a_raising_scheduler_patch_drops_the_coroutine_of_an_asyncio_primitive(tmp_path):
    write_project(tmp_path, {"app/__init__.py": "", "app/tuner.py": """
        import asyncio
        from asyncio import Event


        class Tuner:
            def __init__(self):
                self._closed = asyncio.Event()

            async def wait_done(self):
                done = asyncio.Event()
                try:
                    await asyncio.wait_for(done.wait(), timeout=3.0)
                except asyncio.TimeoutError:
                    return None
                return 1

            async def pause(self):
                try:
                    await asyncio.wait_for(asyncio.sleep(1), timeout=0.1)
                except asyncio.TimeoutError:
                    return None

            async def local_class(self):
                ready = Event()
                try:
                    await asyncio.wait_for(ready.wait(), timeout=3.0)
                except asyncio.TimeoutError:
                    return None

            async def on_field(self):
                try:
                    await asyncio.wait_for(self._closed.wait(), timeout=3.0)
                except asyncio.TimeoutError:
                    return None

            async def not_a_coroutine(self):
                done = asyncio.Event()
                try:
                    await asyncio.wait_for(done.is_set(), timeout=3.0)
                except asyncio.TimeoutError:
                    return None
    """, "tests/test_tuner.py": """
        import asyncio
        from unittest.mock import patch
        from app.tuner import Tuner

        async def test_timeout():
            with patch("app.tuner.asyncio.wait_for", side_effect=asyncio.TimeoutError):
                assert await Tuner().wait_done() is None

        async def test_pause():
            with patch("app.tuner.asyncio.wait_for", side_effect=asyncio.TimeoutError):
                assert await Tuner().pause() is None

        async def test_local_class():
            with patch("app.tuner.asyncio.wait_for", side_effect=asyncio.TimeoutError):
                assert await Tuner().local_class() is None

        async def test_on_field():
            tuner = Tuner()
            with patch("app.tuner.asyncio.wait_for", side_effect=asyncio.TimeoutError):
                assert await tuner.on_field() is None

        async def test_not_a_coroutine():
            with patch("app.tuner.asyncio.wait_for", side_effect=asyncio.TimeoutError):
                assert await Tuner().not_a_coroutine() is None
    """})
    # `done.is_set()` is a bool, not a coroutine: nothing is dropped there
    assert codes(tmp_path, "tests/test_tuner.py") == [
        ("GF107", 7, "certain"), ("GF107", 11, "certain"), ("GF107", 15, "certain"),
        ("GF107", 20, "certain")]


def test_doubles_imported_from_a_suite_module_that_re_exports_unittest_mock(tmp_path):
    write_project(tmp_path, {"app/code.py": CODE, "tests/__init__.py": "", "tests/async_mock.py": """
        import sys

        if sys.version_info[:2] < (3, 8):
            from asynctest.mock import *  # noqa

            AsyncMock = CoroutineMock  # noqa: F405
        else:
            from unittest.mock import *  # noqa
    """, "tests/fakes.py": """
        class MagicMock:
            async def do_join(self, room):
                return room
    """, "tests/test_shim.py": """
        from tests.async_mock import AsyncMock, MagicMock
        from app.code import join

        async def test_join():
            federation = MagicMock()
            assert await join(federation, "r")

        async def test_join_awaited():
            federation = MagicMock()
            federation.do_join = AsyncMock(return_value="e1")
            assert await join(federation, "r") == "e1"
            federation.do_join.assert_called_once_with("r")
    """, "tests/test_fake.py": """
        from tests.fakes import MagicMock
        from app.code import join

        async def test_join():
            assert await join(MagicMock(), "r") == "r"
    """})
    assert [(code, line) for code, line, _ in codes(tmp_path, "tests/test_shim.py")] == [
        ("GF104", 6), ("GF105", 13)]
    assert codes(tmp_path, "tests/test_fake.py") == []



def test_a_re_exporting_module_behind_a_symlink_out_of_the_project_is_not_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "async_mock.py").write_text("from unittest.mock import *  # noqa\n")
    project = tmp_path / "project"
    project.mkdir()
    write_project(project, {"app/code.py": CODE, "tests/__init__.py": "", "tests/test_shim.py": """
        from tests.async_mock import MagicMock
        from app.code import join

        async def test_join():
            federation = MagicMock()
            assert await join(federation, "r")
    """})
    (project / "tests" / "async_mock.py").symlink_to(outside / "async_mock.py")
    assert codes(project, "tests/test_shim.py") == []  # read in place it would be GF104 (test above)

def test_a_coroutine_handed_to_any_method_of_a_double_is_dropped(tmp_path):
    write_project(tmp_path, {"app/__init__.py": "", "app/cog.py": """
        class Scheduler:
            def schedule_at(self, when, key, coro):
                pass


        class Cog:
            def __init__(self):
                self.scheduler = Scheduler()

            async def set_mode(self, key, when):
                self.scheduler.schedule_at(when, key, self._revert(key))

            async def set_later(self, key, when):
                self.scheduler.schedule_at(when, key, coro=self._revert(key))

            async def set_plain(self, key, when):
                self.scheduler.schedule_at(when, key, self._describe(key))

            async def set_nested(self, key):
                async def _again():
                    await self._revert(key)

                self.scheduler.later(_again())

            async def _revert(self, key):
                pass

            def _describe(self, key):
                return key
    """, "tests/test_cog.py": """
        from unittest.mock import MagicMock
        from app.cog import Cog

        async def test_set_mode():
            cog = Cog()
            cog.scheduler = MagicMock()
            await cog.set_mode(1, 2)
            cog.scheduler.schedule_at.assert_called_once()

        async def test_set_later():
            cog = Cog()
            cog.scheduler = MagicMock()
            await cog.set_later(1, 2)

        async def test_set_plain():
            cog = Cog()
            cog.scheduler = MagicMock()
            await cog.set_plain(1, 2)

        async def test_set_nested():
            cog = Cog()
            cog.scheduler = MagicMock()
            await cog.set_nested(1)
    """})
    # reported where the test built the scheduler double (the line a fix replaces); a plain `def`'s result
    # is no coroutine
    assert codes(tmp_path, "tests/test_cog.py") == [
        ("GF107", 7, "certain"), ("GF107", 13, "certain"), ("GF107", 23, "certain")]


MANAGER = """
    class Manager:
        def __init__(self, hub):
            self.hub = hub

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        @staticmethod
        def parse_uri(uri):
            return uri

        def load(self, uri):
            return self


    def run(args, hub):
        with Manager(hub) as manager:
            uri = manager.parse_uri(args)
            with manager.load(uri) as model:
                if uri.kind == "text":
                    return model
                raise NotImplementedError(uri.kind)
"""


def test_the_value_a_double_s_enter_returns_is_compared_also_before_an_expected_raise(tmp_path):
    write_project(tmp_path, {"app/__init__.py": "", "app/cmd.py": MANAGER, "tests/test_cmd.py": """
        import unittest
        from types import SimpleNamespace
        from unittest.mock import AsyncMock, MagicMock, patch
        from app import cmd

        class RunTest(unittest.TestCase):
            def test_text(self):
                manager = AsyncMock()
                manager.__enter__.return_value = manager
                manager.parse_uri.return_value = SimpleNamespace(kind="text")
                manager.load = MagicMock()
                with patch.object(cmd, "Manager", return_value=manager):
                    cmd.run("m", None)

            def test_unsupported(self):
                manager = AsyncMock()
                manager.__enter__.return_value = manager
                manager.parse_uri.return_value = SimpleNamespace(kind="bad")
                manager.load = MagicMock()
                with patch.object(cmd, "Manager", return_value=manager):
                    with self.assertRaises(NotImplementedError):
                        cmd.run("m", None)

            def test_entered_is_another_double(self):
                manager = MagicMock()
                manager.__enter__.return_value = MagicMock()
                with patch.object(cmd, "Manager", return_value=manager):
                    cmd.run("m", None)
    """})
    found = [(f.code, f.line, f.related) for f in lint([tmp_path / "tests/test_cmd.py"], ALL, "likely").findings]
    # reported at the AsyncMock (a fix renames it), naming the line that configured parse_uri
    assert found == [("GF101", 9, (11,)), ("GF101", 17, (19,))]
