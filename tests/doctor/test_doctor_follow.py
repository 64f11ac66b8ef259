"""doctor follows a double to the code it stands in for: small projects written here, linted in place."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gapfinder.doctor.lint import lint
from gapfinder.doctor.rules import RULES
from doctor_project import write_project

ALL = frozenset(r.code for r in RULES)

SERVICE = """
    class Service:
        def __init__(self, client):
            self.client = client

        async def fetch(self, key):
            return await self.client.get(key)

        def sync_names(self):
            return self.client.names().sorted()


    class Child(Service):
        pass


    async def run(worker):
        await worker.start()
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_project(tmp_path, {"app/service.py": SERVICE, **files})


def codes(tmp_path: Path, rel: str, min_confidence: str = "likely") -> list[tuple[str, int, str]]:
    result = lint([tmp_path / rel], ALL, min_confidence)
    return [(f.code, f.line, f.confidence) for f in result.findings]


def test_setup_attributes_and_doubles_stored_by_the_constructor(tmp_path):
    project(tmp_path, {"tests/test_s.py": """
        import unittest
        from unittest.mock import AsyncMock, MagicMock
        from app.service import Service

        class ServiceTests(unittest.IsolatedAsyncioTestCase):
            def setUp(self):
                self.client = MagicMock()
                self.client.get = AsyncMock()
                self.service = Service(self.client)

            async def test_fetch(self):
                await self.service.fetch("k")
                self.client.get.assert_called_once_with("k")
    """})
    assert codes(tmp_path, "tests/test_s.py") == [("GF110", 14, "certain")]  # the only check


def test_inherited_method_and_patch_object_on_the_built_object(tmp_path):
    project(tmp_path, {"tests/test_c.py": """
        from unittest import mock
        from app.service import Child

        async def test_child():
            child = Child(mock.MagicMock())
            with mock.patch.object(child, "client", mock.AsyncMock()) as client:
                child.sync_names()
    """})
    found = codes(tmp_path, "tests/test_c.py")
    assert [c for c, _, _ in found] == ["GF101"]


def test_helper_module_and_spec_mock_subclass(tmp_path):
    project(tmp_path, {
        "tests/__init__.py": "",
        "tests/helpers.py": """
            from unittest import mock

            class MockClient(mock.MagicMock):
                spec_set = object()

            def make_client():
                client = MockClient()
                return client
        """,
        "tests/test_h.py": """
            from app.service import Service
            from tests.helpers import make_client

            async def test_fetch():
                client = make_client()
                await Service(client).fetch("k")
                client.get.assert_called_once_with("k")
        """})
    found = lint([tmp_path / "tests/test_h.py"], ALL, "likely").findings
    # the code awaits client.get on its straight path: certain whatever built the double, but no
    # rename is offered (a spec'd Mock subclass's child may have no assert_awaited*); the test's only
    # check is that assert_called*, so the finding is GF110
    assert [(f.code, f.line, f.confidence) for f in found] == [("GF110", 8, "certain")]
    assert "tests/helpers.py:4" in found[0].message and "app/service.py" in found[0].message
    assert found[0].edit is None


def test_exit_stack_and_asyncio_run_patches_drop_the_coroutine(tmp_path):
    project(tmp_path, {"tests/test_r.py": """
        import asyncio
        import contextlib
        from unittest import mock

        def test_main():
            with contextlib.ExitStack() as stack:
                stack.enter_context(mock.patch.object(asyncio, "create_task"))
                mock.patch("asyncio.run").start()
    """})
    assert [(c, line) for c, line, _ in codes(tmp_path, "tests/test_r.py")] == [("GF107", 8), ("GF107", 9)]


def test_staticmethod_helpers_get_their_arguments(tmp_path):
    project(tmp_path, {
        "app/guild.py": """
            class Cog:
                async def sync(self, channel):
                    await self._make(channel.guild)

                @staticmethod
                async def _make(guild):
                    await guild.create_channel("x")
        """,
        "tests/test_g.py": """
            from unittest.mock import AsyncMock, MagicMock
            from app.guild import Cog

            async def test_sync():
                channel = MagicMock()
                channel.guild.create_channel = AsyncMock()
                await Cog().sync(channel)
                channel.guild.create_channel.assert_called_once()
        """})
    assert [(c, line) for c, line, _ in codes(tmp_path, "tests/test_g.py")] == [("GF110", 9)]


def test_a_pytest_ini_in_a_service_folder_does_not_hide_the_code(tmp_path):
    project(tmp_path, {"svc/pytest.ini": "[pytest]\n", "svc/tests/test_svc.py": """
        from unittest.mock import AsyncMock
        from app.service import Service

        def test_names():
            Service(AsyncMock()).sync_names()
    """})
    result = lint([tmp_path / "svc/tests/test_svc.py"], ALL)
    assert [f.code for f in result.findings] == ["GF101"]
    assert result.unresolved == ()


def test_unresolved_code_under_test_is_counted(tmp_path):
    project(tmp_path, {"tests/test_x.py": """
        from unittest.mock import AsyncMock
        from missing_pkg.client import Client

        def test_x():
            Client(AsyncMock())
    """})
    result = lint([tmp_path / "tests/test_x.py"], ALL)
    assert len(result.unresolved) == 1 and result.unresolved[0].endswith("tests/test_x.py")


def test_bad_min_confidence_is_an_input_error():
    from gapfinder.api import doctor
    from gapfinder.errors import GapfinderError

    with pytest.raises(GapfinderError):
        doctor([Path("tests")], min_confidence="sure")


def test_fix_diff_applies_to_a_file_without_a_final_newline(tmp_path):
    import subprocess

    from gapfinder.doctor.fix import fix_files

    project(tmp_path, {"tests/test_n.py": """
        from unittest.mock import AsyncMock
        from app.service import Service

        async def test_fetch():
            client = AsyncMock()
            await Service(client).fetch("k")
            client.get.assert_called_once_with("k")"""})
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = lint([tmp_path / "tests/test_n.py"], ALL)
    [fixed] = fix_files(list(result.findings), write=False)
    assert "\\ No newline at end of file" in fixed.diff
    diff = fixed.diff.replace(f"a/{result.findings[0].path}", "a/tests/test_n.py").replace(
        f"b/{result.findings[0].path}", "b/tests/test_n.py")
    applied = subprocess.run(["git", "apply", "-"], cwd=tmp_path, input=diff, text=True, capture_output=True)
    assert applied.returncode == 0, applied.stderr
    assert (tmp_path / "tests/test_n.py").read_text().endswith('assert_awaited_once_with("k")')


def test_unconfigured_result_deciding_a_branch_and_tautologies(tmp_path):
    project(tmp_path, {
        "app/store.py": """
            async def save(repo, item):
                if await repo.exists(item):
                    return False
                await repo.add(item)
                return True
        """,
        "tests/test_t.py": """
            from unittest.mock import AsyncMock, MagicMock
            from app.store import save

            async def test_save_unconfigured():
                repo = MagicMock()
                repo.exists = AsyncMock()
                repo.add = AsyncMock()
                await save(repo, 1)

            async def test_save_configured():
                repo = MagicMock()
                repo.exists = AsyncMock(return_value=False)
                repo.add = AsyncMock()
                await save(repo, 1)

            def test_tautology():
                client = MagicMock()
                client.fetch.return_value = [1, 2]
                assert client.fetch() == [1, 2]
                rows = client.fetch()
                assert rows == [1, 2]
        """})
    assert [(c, line) for c, line, _ in codes(tmp_path, "tests/test_t.py")] == [
        ("GF108", 7), ("GF109", 20), ("GF109", 22)]


def test_a_patched_project_loop_runner_drops_the_coroutine(tmp_path):
    project(tmp_path, {
        "app/cli.py": """
            import asyncio

            def run_async(coro):
                return asyncio.get_event_loop().run_until_complete(coro)

            def plain(value):
                return value
        """,
        "tests/test_cli.py": """
            from unittest.mock import patch

            @patch("app.cli.run_async")
            def test_returns(run):
                run.return_value = []

            @patch("app.cli.run_async")
            def test_raises(run):
                run.side_effect = TimeoutError()

            @patch("app.cli.run_async")
            def test_runs(run):
                run.side_effect = lambda coro: coro.close()

            @patch("app.cli.plain")
            def test_plain(plain):
                plain.return_value = 1
        """})
    # reported where the test sets what the decorator's double returns or raises (the line a fix changes);
    # the @patch line is related
    found = lint([tmp_path / "tests/test_cli.py"], ALL, "likely").findings
    assert [(f.code, f.line, f.related) for f in found] == [("GF107", 6, (4,)), ("GF107", 10, (8,))]


def test_a_coroutine_collected_for_later_is_not_called_synchronously(tmp_path):
    project(tmp_path, {
        "app/race.py": """
            import asyncio

            async def resolve(host):
                return [host]

            async def race(host):
                coros = []
                coros.append(resolve(host))
                return await asyncio.gather(*coros)

            def start(host):
                resolve(host)
        """,
        "tests/test_race.py": """
            from unittest.mock import patch
            from app.race import race, start

            @patch("app.race.resolve")
            async def test_race(resolve):
                await race("h")

            @patch("app.race.resolve")
            def test_start(resolve):
                start("h")
        """})
    assert [(c, line) for c, line, _ in codes(tmp_path, "tests/test_race.py")] == [("GF101", 9)]


def test_patching_an_async_generator_function_gives_a_magic_mock(tmp_path):
    project(tmp_path, {
        "app/stream.py": """
            async def chunks(url):
                yield url

            async def collect(url):
                return [c async for c in chunks(url)]
        """,
        "tests/test_stream.py": """
            from unittest.mock import patch
            from app.stream import collect

            @patch("app.stream.chunks")
            async def test_collect(chunks):
                async def fake(url):
                    yield url
                chunks.return_value = fake("u")
                await collect("u")
        """})
    assert codes(tmp_path, "tests/test_stream.py") == []


def test_calls_expected_to_raise_are_not_compared(tmp_path):
    project(tmp_path, {
        "app/guard.py": """
            async def login(cloud):
                if cloud.token is None:
                    raise ValueError("no token")
                return await cloud.run(1)
        """,
        "tests/test_guard.py": """
            from unittest.mock import MagicMock
            import pytest
            from app.guard import login

            async def test_guard():
                with pytest.raises(ValueError):
                    await login(MagicMock(token=None))

            async def test_login():
                await login(MagicMock())
        """})
    assert [(c, line) for c, line, _ in codes(tmp_path, "tests/test_guard.py")] == [("GF104", 11)]


def test_a_coroutine_awaited_through_a_name_is_awaited(tmp_path):
    project(tmp_path, {
        "app/pages.py": """
            async def first(client):
                pager = client.items.list()
                page = await pager
                return page.data
        """,
        "tests/test_pages.py": """
            from unittest.mock import AsyncMock, MagicMock
            from app.pages import first

            async def test_first():
                client = MagicMock()
                client.items.list = AsyncMock()
                await first(client)
        """})
    assert codes(tmp_path, "tests/test_pages.py") == []


def test_likely_findings_are_left_out_by_default_and_counted(tmp_path):
    project(tmp_path, {
        "app/maybe.py": """
            async def maybe(client, flag):
                if flag:
                    client.close()
        """,
        "tests/test_m.py": """
            from unittest.mock import AsyncMock
            from app.maybe import maybe

            async def test_maybe():
                client = AsyncMock()
                await maybe(client, False)
        """})
    result = lint([tmp_path / "tests/test_m.py"], ALL)
    assert result.findings == () and result.below_confidence == 1
    assert codes(tmp_path, "tests/test_m.py") == [("GF101", 6, "likely")]


def test_an_assert_called_proves_the_call_so_an_awaited_branch_is_certain(tmp_path):
    project(tmp_path, {
        "app/maybe.py": """
            async def maybe(client, flag):
                if flag:
                    await client.get("k")
        """,
        "tests/test_m.py": """
            from unittest.mock import AsyncMock
            from app.maybe import maybe

            async def test_maybe():
                client = AsyncMock()
                await maybe(client, True)
                client.get.assert_called_once_with("k")
        """})
    assert codes(tmp_path, "tests/test_m.py", "certain") == [("GF110", 8, "certain")]


def test_a_list_of_doubles_built_by_a_comprehension_and_spread_into_the_call(tmp_path):
    project(tmp_path, {
        "app/notify.py": """
            async def send_all(message, first, second):
                await first.send(message)
                await second.send(message)
        """,
        "tests/test_n.py": """
            from unittest.mock import AsyncMock
            from app.notify import send_all

            async def test_send():
                channels = [AsyncMock() for _ in range(2)]
                await send_all("m", *channels)
                channels[1].send.assert_called_once_with("m")
                channels[0].send.assert_awaited_once_with("m")
        """})
    assert codes(tmp_path, "tests/test_n.py", "certain") == [("GF105", 8, "certain")]


WORKER = """
    import asyncio

    class Worker:
        def start(self):
            asyncio.create_task(self.sync())
            self.log()

        async def sync(self):
            pass

        def log(self):
            pass
"""


def test_a_patched_scheduler_is_certain_when_the_code_hands_it_real_work(tmp_path):
    project(tmp_path, {"app/worker.py": WORKER, "tests/test_w.py": """
        from unittest import mock
        from app.worker import Worker

        def test_real_producer():
            with mock.patch.object(Worker, "log"), mock.patch("asyncio.create_task") as task:
                Worker().start()
            task.assert_called_once()

        def test_producer_replaced_too():
            with mock.patch.object(Worker, "sync"), mock.patch("asyncio.create_task") as task:
                Worker().start()
            task.assert_called_once()

        def test_the_coroutine_is_closed():
            with mock.patch.object(Worker, "log"), mock.patch("asyncio.create_task") as task:
                Worker().start()
            task.call_args[0][0].close()
    """})
    # patch.object(Worker, "sync") is an AsyncMock (sync is an async def): its call is a coroutine too,
    # which the patched create_task drops all the same (Python warns "never awaited")
    assert codes(tmp_path, "tests/test_w.py") == [("GF107", 6, "certain"), ("GF107", 11, "certain")]


def test_a_decorated_method_called_through_its_callback(tmp_path):
    project(tmp_path, {
        "app/cog.py": """
            class Cog:
                def __init__(self, bot):
                    self.bot = bot

                async def hello(self, ctx):
                    await ctx.send("hi")
        """,
        "tests/test_c.py": """
            from unittest.mock import AsyncMock, MagicMock
            from app.cog import Cog

            async def test_hello():
                cog = Cog(MagicMock())
                ctx = AsyncMock()
                await cog.hello.callback(cog, ctx)
                ctx.send.assert_called_once_with("hi")
        """})
    assert codes(tmp_path, "tests/test_c.py") == [("GF110", 9, "certain")]


def test_a_coroutine_handed_to_a_double_s_scheduler_is_dropped(tmp_path):
    project(tmp_path, {
        "app/cog.py": """
            from app import scheduling

            class Cog:
                def __init__(self, bot):
                    self.bot = bot
                    scheduling.create_task(self.greet(), event_loop=self.bot.loop)

                def later(self):
                    self.bot.loop.create_task(self.greet())

                async def greet(self):
                    pass
        """,
        "app/scheduling.py": """
            def create_task(coro, event_loop=None):
                return event_loop.create_task(coro)
        """,
        "tests/test_c.py": """
            from unittest import mock
            from unittest.mock import MagicMock
            from app.cog import Cog

            def test_init():
                cog = Cog(MagicMock())

            def test_closing_loop():
                bot = MagicMock()
                bot.loop.create_task.side_effect = lambda coro: coro.close()
                cog = Cog(bot)
                cog.later()

            def test_patched_scheduler():
                with mock.patch("app.cog.scheduling.create_task"):
                    Cog(MagicMock())

            def test_wrapped_loop():
                Cog(MagicMock(loop=MagicMock(wraps=object())))

            def test_never_scheduled():
                bot = MagicMock()
                Cog(bot).later()
                assert len(bot.loop.create_task.mock_calls) == 0
        """})
    assert codes(tmp_path, "tests/test_c.py") == [("GF107", 7, "certain")]


def test_a_double_handed_on_to_a_function_of_another_module(tmp_path):
    project(tmp_path, {
        "app/routing.py": """
            def make_routing(radio):
                return radio.routing()
        """,
        "app/handler.py": """
            from app.routing import make_routing

            class Handler:
                def __init__(self, radio):
                    self.radio = radio
                    self.routing = make_routing(radio)
        """,
        "tests/test_h.py": """
            from unittest.mock import AsyncMock
            from app.handler import Handler

            def test_bare():
                radio = AsyncMock()
                Handler(radio)

            def test_deleted():
                radio = AsyncMock()
                del radio.routing
                Handler(radio)
        """})
    # the helper is called on the constructor's straight path, and calls radio.routing() on its own: certain
    assert codes(tmp_path, "tests/test_h.py") == [("GF101", 6, "certain")]


def test_a_helper_called_on_a_branch_or_calling_on_one_is_likely(tmp_path):
    project(tmp_path, {
        "app/routing.py": """
            def make_routing(radio, fast):
                if fast:
                    return radio.fast_routing()
                return None

            def routing_of(radio):
                return radio.routing()
        """,
        "app/handler.py": """
            from app.routing import make_routing, routing_of

            class Handler:
                def __init__(self, radio, flag):
                    self.fast = make_routing(radio, flag)
                    if flag:
                        self.routing = routing_of(radio)
        """,
        "tests/test_h.py": """
            from unittest.mock import AsyncMock
            from app.handler import Handler

            def test_bare():
                radio = AsyncMock()
                Handler(radio, True)
        """})
    assert codes(tmp_path, "tests/test_h.py") == [("GF101", 6, "likely")]


def test_a_mock_subclass_s_scheduler_is_not_known_to_drop(tmp_path):
    test_a_coroutine_handed_to_a_double_s_scheduler_is_dropped(tmp_path)
    (tmp_path / "tests/test_sub.py").write_text(textwrap.dedent("""
        from unittest.mock import MagicMock
        from app.cog import Cog

        class MockBot(MagicMock):
            def __init__(self):
                super().__init__()
                self.loop.create_task.side_effect = lambda coro: coro.close()

        def test_init():
            Cog(MockBot())
    """))
    assert codes(tmp_path, "tests/test_sub.py") == []


def test_a_list_of_doubles_iterated_by_the_code_and_by_the_test(tmp_path):
    project(tmp_path, {
        "app/voice.py": """
            class Voice:
                @staticmethod
                async def kick(channel):
                    for member in channel.members:
                        try:
                            await member.move_to(None)
                        except Exception:
                            continue
        """,
        "tests/test_v.py": """
            import unittest
            from unittest.mock import AsyncMock, MagicMock
            from app.voice import Voice

            class VoiceTests(unittest.IsolatedAsyncioTestCase):
                @staticmethod
                def members():
                    failing = MagicMock(move_to=AsyncMock(side_effect=Exception()))
                    return failing, [MagicMock(move_to=AsyncMock()), failing]

                async def test_kick(self):
                    _, members = self.members()
                    await Voice().kick(MagicMock(members=members))
                    for member in members:
                        member.move_to.assert_called_once()
        """})
    assert codes(tmp_path, "tests/test_v.py") == [("GF110", 16, "certain")]


def test_an_assert_called_expected_to_fail_is_not_reported(tmp_path):
    project(tmp_path, {"tests/test_s.py": """
        import pytest
        from unittest.mock import AsyncMock
        from app.service import Service

        async def test_fetch():
            client = AsyncMock()
            await Service(client).fetch("k")
            with pytest.raises(AssertionError):
                client.get.assert_called_once_with("other")
    """})
    assert codes(tmp_path, "tests/test_s.py") == []
