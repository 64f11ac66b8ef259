"""Shapes found on real upstream fixes: a coroutine object as a return_value (GF111), chains configured
through a spec'd double, doubles an awaited async helper builds."""

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


    async def search(session, query):
        async with session.get("/search", params={"q": query}) as response:
            response.raise_for_status()
            return await response.json()


    async def count(repo):
        return len(await repo.rows())
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_project(tmp_path, {"app/code.py": CODE, **files})


def codes(tmp_path: Path, rel: str) -> list[tuple[str, int, str]]:
    return [(f.code, f.line, f.confidence) for f in lint([tmp_path / rel], ALL, "likely").findings]


def test_a_coroutine_made_by_a_suite_helper_as_return_value(tmp_path):
    project(tmp_path, {"tests/__init__.py": "", "tests/utils.py": """
        async def make_awaitable(result):
            return result
    """, "tests/test_j.py": """
        from unittest.mock import Mock
        from app.code import join
        from tests.utils import make_awaitable

        async def test_join():
            federation = Mock()
            federation.do_join = Mock(
                return_value=make_awaitable("e1")
            )
            assert await join(federation, "r") == "e1"

        async def test_join_assigned():
            federation = Mock()
            federation.do_join.return_value = make_awaitable("e1")
            assert await join(federation, "r") == "e1"
    """})
    assert codes(tmp_path, "tests/test_j.py") == [("GF111", 9, "certain"), ("GF111", 15, "certain")]


def test_a_new_coroutine_per_call_or_a_plain_value_is_no_finding(tmp_path):
    project(tmp_path, {"tests/test_k.py": """
        from unittest.mock import AsyncMock, Mock
        from app.code import join

        async def event(name):
            return name

        def plain(name):
            return name

        async def gen():
            yield 1

        async def test_join():
            federation = Mock()
            federation.do_join = Mock(side_effect=lambda room: event("e1"))
            assert await join(federation, "r") == "e1"

        async def test_join_plain():
            federation = Mock()
            federation.do_join = AsyncMock(return_value=plain("e1"))
            federation.other = Mock(return_value=gen())
            assert await join(federation, "r") == "e1"
    """})
    assert codes(tmp_path, "tests/test_k.py") == []


def test_a_chain_configured_through_a_specced_double_reaches_the_entered_value(tmp_path):
    project(tmp_path, {"tests/test_s.py": """
        from unittest.mock import AsyncMock
        import pytest
        from app.code import search

        class Session:
            def get(self, url, params=None): ...

        @pytest.fixture
        def session():
            return AsyncMock(spec=Session)

        async def test_search(session):
            response = AsyncMock()
            response.raise_for_status.return_value = None
            response.json.return_value = {"hits": []}
            session.get.return_value.__aenter__.return_value = response
            assert await search(session, "x") == {"hits": []}
    """})
    assert codes(tmp_path, "tests/test_s.py") == [("GF101", 14, "certain")]


def test_the_double_an_awaited_async_helper_returns_is_followed(tmp_path):
    project(tmp_path, {"tests/test_a.py": """
        from unittest.mock import MagicMock

        async def make_repo():
            repo = MagicMock()
            repo.rows.return_value = [1, 2]
            return repo

        async def test_count():
            repo = await make_repo()
            assert await count_rows(repo) == 2

        from app.code import count as count_rows
    """})
    assert codes(tmp_path, "tests/test_a.py") == [("GF104", 6, "certain")]


ROUTING = {
    "app/protocols.py": """
        from typing import Protocol, runtime_checkable

        @runtime_checkable
        class Routable(Protocol):
            def routing(self) -> object: ...

        class Concrete:
            def routing(self) -> object: ...
    """,
    "app/routing.py": """
        def make_routing(radio):
            from app.protocols import Routable
            if isinstance(radio, Routable):
                return radio.routing()
            return None

        def concrete_routing(radio):
            from app.protocols import Concrete
            if isinstance(radio, Concrete):
                return radio.routing()
            return None

        def session_ready(session):
            if session is not None and not session.is_connected():
                return False
            return True
    """,
}


def test_isinstance_of_a_runtime_checkable_protocol_is_true_for_a_bare_double(tmp_path):
    project(tmp_path, {**ROUTING, "tests/test_r.py": """
        from unittest.mock import AsyncMock
        from app.routing import concrete_routing, make_routing, session_ready

        def test_protocol():
            radio = AsyncMock()
            make_routing(radio)

        def test_deleted_member():
            radio = AsyncMock()
            del radio.routing
            make_routing(radio)

        def test_specced():
            radio = AsyncMock(spec=["routing"])
            make_routing(radio)

        def test_concrete_class():
            radio = AsyncMock()
            concrete_routing(radio)

        def test_not_none_and():
            session = AsyncMock()
            session_ready(session)
    """})
    # a bare mock passes isinstance() of a runtime-checkable Protocol (it has every attribute) and is not
    # None, so the sync call runs: certain; a plain class's isinstance() is false for a mock: likely
    assert codes(tmp_path, "tests/test_r.py") == [
        ("GF101", 6, "certain"), ("GF101", 19, "likely"), ("GF101", 23, "certain")]


def test_a_double_with_a_side_effect_gives_no_return_value_chain_to_judge(tmp_path):
    project(tmp_path, {"app/firmware.py": """
        async def firmware(manager):
            data = {}
            try:
                data = await manager.fetch()
            except KeyError:
                pass
            if data and data.get("model"):
                return data["model"]
            return None
    """, "tests/test_f.py": """
        from unittest.mock import AsyncMock
        from app.firmware import firmware

        async def test_missing():
            manager = AsyncMock()
            manager.fetch.side_effect = KeyError
            assert await firmware(manager) is None

        async def test_found():
            manager = AsyncMock()
            assert await firmware(manager) is not None
    """})
    # with a side_effect the awaited result is not the AsyncMock return_value; without one, `data` is that
    # AsyncMock (truthy, so `data.get(...)` runs): a coroutine, certain
    assert codes(tmp_path, "tests/test_f.py") == [("GF102", 11, "certain"), ("GF108", 11, "certain")]


def test_a_patched_runner_handed_the_coroutine_of_a_configured_double_drops_it(tmp_path):
    project(tmp_path, {"app/cli.py": """
        import asyncio

        def parse_args(argv):
            return None, (), {}

        def run():
            handler, args, kwargs = parse_args([])
            return asyncio.run(handler(*args, **kwargs))

        def log():
            pass
    """, "tests/test_cli.py": """
        from unittest.mock import MagicMock, patch
        from app import cli

        @patch("asyncio.run")
        @patch("app.cli.parse_args")
        def test_run(parse_args, run):
            async def handler():
                return 0
            parse_args.return_value = (handler, (), {})
            run.return_value = 0
            assert cli.run() == 0

        @patch("asyncio.run")
        @patch("app.cli.parse_args")
        def test_run_sync_handler(parse_args, run):
            parse_args.return_value = (MagicMock(), (), {})
            run.return_value = 0
            assert cli.run() == 0
    """})
    # the test's own `async def` makes a coroutine that the patched asyncio.run drops: certain (reported where
    # the test configures the patch); a MagicMock handler makes none, so nothing certain there
    found = codes(tmp_path, "tests/test_cli.py")
    assert [f for f in found if f[2] == "certain"] == [("GF107", 11, "certain")]


def test_a_patched_function_returning_a_tuple_of_doubles_is_compared_element_by_element(tmp_path):
    project(tmp_path, {"app/auth.py": """
        def resolvers():
            return None, None

        async def check(action, auth):
            roles, access = resolvers()
            granted = await roles.resolve(auth)
            if not access.allowed(action, granted):
                raise PermissionError(action)
    """, "tests/test_auth.py": """
        from unittest.mock import AsyncMock, patch
        from app.auth import check

        @patch("app.auth.resolvers")
        async def test_check(resolvers):
            roles = AsyncMock()
            access = AsyncMock()
            access.allowed.return_value = True
            resolvers.return_value = (roles, access)
            await check("read", "token")
    """, "tests/helpers.py": """
        from unittest.mock import AsyncMock

        def allow_all(mocker):
            resolvers = mocker.patch("app.auth.resolvers")
            access = AsyncMock()
            resolvers.return_value = (AsyncMock(), access)
    """})
    # `roles, access = resolvers()`: the second double is called synchronously by the code; the patched
    # function is defined in the module it is patched in (a helper module alone is a weaker link: likely)
    assert codes(tmp_path, "tests/test_auth.py") == [("GF101", 8, "certain")]
    assert codes(tmp_path, "tests/helpers.py") == [("GF101", 6, "likely")]


def test_a_scheduler_patched_to_drop_the_coroutine_awaits_nothing(tmp_path):
    project(tmp_path, {"app/bg.py": """
        import asyncio

        class Worker:
            def __init__(self, job):
                self.job = job

            async def start(self):
                return asyncio.create_task(self.job.run())
    """, "tests/test_bg.py": """
        import asyncio
        from unittest.mock import AsyncMock, MagicMock, patch
        from app.bg import Worker

        async def test_dropped():
            job = MagicMock()
            with patch("asyncio.create_task") as create_task:
                await Worker(job).start()
            job.run.assert_called_once()

        async def test_run_by_the_patch():
            job = MagicMock()
            job.run = AsyncMock()
            with patch("asyncio.create_task", side_effect=lambda coro: asyncio.ensure_future(coro)):
                await (await Worker(job).start())
            job.run.assert_called_once()
    """})
    # a MagicMock handed to a create_task patched to drop it is never awaited: no GF104 (the patch is GF107's);
    # a patch that schedules the coroutine still awaits it, so assert_called_once is the weaker check
    found = [f for f in codes(tmp_path, "tests/test_bg.py") if f[0] in ("GF104", "GF105", "GF110")]
    assert found == [("GF110", 17, "certain")]


POOL = """
    class Session:
        def __init__(self, client, *, close=True):
            self._client = client

        @property
        def raw_client(self):
            return self._client

        async def resolve(self, peer):
            return await self._client.get_entity(peer)


    class Pool:
        def __init__(self):
            self.clients = {}

        def _direct(self, phone):
            return self.clients.get(phone)

        async def resolve(self, phone, peer, native=False):
            async def _session():
                return None if native else self._direct(phone)

            session = await _session()
            if session is not None and not session.raw_client.is_connected():
                await session.raw_client.connect()
            return await session.resolve(peer)
"""


def test_a_double_kept_in_a_dict_of_objects_is_followed_through_a_property(tmp_path):
    project(tmp_path, {"app/pool.py": POOL, "tests/test_p.py": """
        from unittest.mock import AsyncMock, MagicMock
        from app.pool import Pool, Session

        async def test_resolve():
            client = AsyncMock()
            pool = Pool()
            pool.clients = {"+1": Session(client, close=False)}
            await pool.resolve("+1", "@x")

        async def test_resolve_item():
            client = MagicMock()
            client.get_entity = AsyncMock()
            client.connect = AsyncMock()
            pool = Pool()
            pool.clients["+1"] = Session(client)
            await pool.resolve("+1", "@x")
            client.get_entity.assert_called_once_with("@x")
    """})
    # client.is_connected() is called synchronously (through the raw_client property, out of the dict, in a
    # closure); get_entity is awaited in Session.resolve, the method the code calls on the dict's object; the
    # MagicMock client's is_connected() result decides a branch the test never configured
    assert codes(tmp_path, "tests/test_p.py") == [
        ("GF101", 6, "certain"), ("GF108", 12, "certain"), ("GF110", 18, "certain")]


def test_a_branch_the_test_s_own_values_make_false_is_not_compared(tmp_path):
    project(tmp_path, {"app/pool.py": POOL, "tests/test_q.py": """
        from unittest.mock import AsyncMock, MagicMock
        from app.pool import Pool, Session

        async def test_connected():
            client = MagicMock()
            client.is_connected = MagicMock(return_value=True)
            client.get_entity = AsyncMock(return_value="e")
            pool = Pool()
            pool.clients = {"+1": Session(client)}
            assert await pool.resolve("+1", "@x") == "e"

        async def test_disconnected():
            client = MagicMock()
            client.is_connected = MagicMock(return_value=False)
            client.get_entity = AsyncMock(return_value="e")
            pool = Pool()
            pool.clients = {"+1": Session(client)}
            assert await pool.resolve("+1", "@x") == "e"
    """})
    # is_connected() returns True: `await client.connect()` never runs, so its MagicMock is not awaited; returning
    # False, the branch runs and awaits the MagicMock
    assert codes(tmp_path, "tests/test_q.py") == [("GF104", 14, "certain")]


def test_a_fixture_double_configured_in_the_test_is_reported_in_the_test_file(tmp_path):
    project(tmp_path, {"tests/conftest.py": """
        import pytest
        from unittest.mock import MagicMock

        @pytest.fixture
        def repo():
            return MagicMock()
    """, "tests/test_c.py": """
        from app.code import count

        async def test_count(repo):
            repo.rows.return_value = [1]
            assert await count(repo) == 1
    """})
    found = lint([tmp_path / "tests/test_c.py"], ALL, "likely").findings
    assert [(f.code, Path(f.path).name, f.line) for f in found] == [("GF104", "test_c.py", 5)]


def test_a_scheduler_patch_returning_a_list_of_values_drops_the_coroutine(tmp_path):
    project(tmp_path, {"app/tool.py": """
        import asyncio

        async def work(x):
            return x

        def execute(loop, x):
            return asyncio.run_coroutine_threadsafe(work(x), loop).result()
    """, "tests/test_tool.py": """
        from unittest.mock import MagicMock, patch
        from app.tool import execute

        @patch("app.tool.asyncio.run_coroutine_threadsafe")
        def test_execute(run):
            run.side_effect = [MagicMock(**{"result.return_value": 1})]
            assert execute(MagicMock(), 1) == 1

        @patch("app.tool.asyncio.run_coroutine_threadsafe")
        def test_execute_closing(run):
            run.side_effect = lambda coro, loop: (coro.close(), MagicMock(**{"result.return_value": 1}))[1]
            assert execute(MagicMock(), 1) == 1
    """})
    assert codes(tmp_path, "tests/test_tool.py") == [("GF107", 5, "certain")]


def test_a_scheduler_patched_in_a_with_block_is_reached_by_its_own_name_there(tmp_path):
    """`with patch.object(asyncio, "ensure_future"): ... asyncio.ensure_future.assert_not_called()` asserts on the
    double: a test that says the scheduler was never called drops nothing, one that does not say so is reported."""
    project(tmp_path, {
        "app/stream.py": """
            import asyncio


            class Stream:
                def __init__(self, active):
                    self.active = active

                def stop(self):
                    if self.active:
                        asyncio.ensure_future(self.close())

                async def close(self):
                    self.active = False
        """,
        "tests/test_stream.py": """
            import asyncio
            from unittest import mock

            from app.stream import Stream


            def test_inactive_stream_schedules_nothing():
                stream = Stream(False)
                with mock.patch.object(asyncio, "ensure_future"):
                    stream.stop()
                    asyncio.ensure_future.assert_not_called()


            def test_active_stream_schedules_close():
                stream = Stream(True)
                with mock.patch("asyncio.ensure_future"):
                    stream.stop()
        """})
    assert [(code, line) for code, line, _ in codes(tmp_path, "tests/test_stream.py")] == [("GF107", 17)]
