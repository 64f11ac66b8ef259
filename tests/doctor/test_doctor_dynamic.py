"""Doubles a suite builds out of sight: fixtures from `pytest_plugins` modules, methods patched on a
project class by string target, suite helpers that build a class with `type(name, (klass,), namespace)`."""

from __future__ import annotations

from pathlib import Path

from gapfinder.doctor.lint import lint
from gapfinder.doctor.rules import RULES
from doctor_project import write_project

ALL = frozenset(r.code for r in RULES)

CODE = """
    import asyncio


    class Device:
        def __init__(self, host):
            self.host = host
            self.session = None
            self.loop = None

        async def close(self):
            self.session.shutdown()

        async def _probe(self):
            return 1

        async def info(self):
            try:
                await asyncio.wait_for(self._probe(), timeout=3)
            except asyncio.TimeoutError:
                return None
            return 1

        async def async_stop(self):
            return None

        def stop(self):
            self.loop.run_until_complete(self.async_stop())

        def start(self):
            self.loop = asyncio.new_event_loop()
            self.loop.run_until_complete(self.async_stop())
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_project(tmp_path, {"app/code.py": CODE, **files})


def codes(tmp_path: Path, rel: str, confidence: str = "likely") -> list[tuple[str, str, int, str]]:
    return [(Path(f.path).name, f.code, f.line, f.confidence)
            for f in lint([tmp_path / rel], ALL, confidence).findings]


def test_a_fixture_from_a_pytest_plugins_module_is_followed(tmp_path):
    project(tmp_path, {"tests/__init__.py": "", "tests/fixtures/__init__.py": "", "tests/fixtures/devices.py": """
        from unittest.mock import AsyncMock
        import pytest
        from app.code import Device

        @pytest.fixture()
        def device():
            device = Device("h")
            device.session = AsyncMock()
            yield device
    """, "tests/conftest.py": """
        pytest_plugins = ["tests.fixtures.devices"]
    """, "tests/test_d.py": """
        async def test_close(device):
            await device.close()
    """})
    # the plugin's AsyncMock session: `shutdown()` is called without await
    assert codes(tmp_path, "tests/test_d.py") == [("devices.py", "GF101", 9, "certain")]


def test_a_plugin_named_in_the_test_module_itself_and_no_plugin_at_all(tmp_path):
    project(tmp_path, {"tests/__init__.py": "", "tests/helpers_fx.py": """
        from unittest.mock import AsyncMock
        import pytest
        from app.code import Device

        @pytest.fixture()
        def device():
            device = Device("h")
            device.session = AsyncMock()
            return device
    """, "tests/test_e.py": """
        pytest_plugins = "tests.helpers_fx"

        async def test_close(device):
            await device.close()
    """, "tests/test_f.py": """
        async def test_close(device):
            await device.close()
    """})
    assert codes(tmp_path, "tests/test_e.py") == [("helpers_fx.py", "GF101", 9, "certain")]
    assert codes(tmp_path, "tests/test_f.py") == []  # not loaded for this module: the fixture is unknown


def test_a_method_patched_on_the_class_by_string_target(tmp_path):
    project(tmp_path, {"tests/test_g.py": """
        import asyncio
        from unittest.mock import AsyncMock, Mock, patch
        from app.code import Device

        async def test_info_times_out():
            device = Device("h")
            with patch("app.code.Device._probe"), \\
                 patch("asyncio.wait_for", new=AsyncMock(side_effect=asyncio.TimeoutError())):
                assert await device.info() is None

        async def test_info_times_out_sync_probe():
            device = Device("h")
            with patch("app.code.Device._probe", new=Mock()), \\
                 patch("asyncio.wait_for", new=AsyncMock(side_effect=asyncio.TimeoutError())):
                assert await device.info() is None

        def test_stop():
            device = Device("h")
            device.loop = Mock()
            with patch("app.code.Device.async_stop") as stop:
                device.stop()
            stop.assert_called_once()

        def test_stop_sync_double():
            device = Device("h")
            device.loop = Mock()
            with patch("app.code.Device.async_stop", new=Mock()) as stop:
                device.stop()

        def test_start_makes_its_own_loop():
            device = Device("h")
            device.loop = Mock()
            with patch("app.code.Device.async_stop"):
                device.start()
    """})
    # `_probe` patched on the class is an AsyncMock (an async def): its coroutine goes to the patched
    # wait_for, which raises before awaiting it; `async_stop`'s goes to the test's Mock loop
    assert codes(tmp_path, "tests/test_g.py", "certain") == [("test_g.py", "GF107", 9, "certain"),
                                                             ("test_g.py", "GF107", 21, "certain")]


STREAM = """
    class Stream:
        def __init__(self, source):
            self.source = source

        async def open(self):
            pass

        async def close(self):
            pass

        async def __aenter__(self):
            await self.open()
            return self

        async def __aexit__(self, *exc):
            await self.close()

        def __await__(self):
            return self._all().__await__()

        async def _all(self):
            await self.open()
            return []


    class Manager:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.close()

        def close(self):
            pass

        def start(self):
            self.collect()
"""

HELPERS = """
    _plain = {}


    def with_members(klass, *, init=True, **namespace):
        if init is False:
            namespace["__init__"] = lambda _: None
        return type("Mock" + klass.__name__, (klass,), namespace)


    def _init(self, kwargs):
        for attr, value in kwargs.items():
            setattr(self, attr, value)


    def stub(klass, **kwargs):
        new_klass = type("Stub" + klass.__name__, (klass,), {"__init__": _init})
        return new_klass(kwargs)


    def unslotted(klass):
        if klass not in _plain:
            _plain[klass] = type(klass.__name__ + "Plain", (klass,), {})
        return _plain[klass]
"""


def test_a_class_a_suite_helper_builds_with_type_carries_the_test_s_doubles(tmp_path):
    project(tmp_path, {"app/stream.py": STREAM, "tests/__init__.py": "", "tests/helpers.py": HELPERS,
                       "tests/test_s.py": """
        from unittest import mock
        from app import stream
        from tests import helpers

        async def test_context():
            cls = helpers.with_members(stream.Stream, open=mock.AsyncMock(), close=mock.AsyncMock(), init=False)
            async with cls():
                cls.open.assert_called_once()
            cls.close.assert_awaited_once()

        async def test_await():
            streamer = helpers.with_members(stream.Stream, open=mock.AsyncMock(), init=False)()
            assert await streamer == []
            streamer.open.assert_called_once()

        def test_cached_class():
            with helpers.unslotted(stream.Manager)() as manager:
                manager.close = mock.AsyncMock()
                manager.start()

        async def test_stub_object():
            streamer = helpers.stub(stream.Stream, open=mock.AsyncMock())
            await streamer._all()
            streamer.open.assert_called_once()
    """})
    assert codes(tmp_path, "tests/test_s.py", "certain") == [
        ("test_s.py", "GF105", 9, "certain"),  # __aenter__ awaits open
        ("test_s.py", "GF105", 15, "certain"),  # __await__ runs _all, which awaits open
        ("test_s.py", "GF101", 19, "certain"),  # __exit__ calls close() without await
        ("test_s.py", "GF110", 25, "certain"),  # a helper that returns an object of the class it built
    ]


def test_a_coroutine_handed_to_a_double_through_the_object_s_own_methods(tmp_path):
    project(tmp_path, {"app/coord.py": """
        from framework.coordinator import Coordinator


        class Mine(Coordinator):
            def __init__(self, hass, client):
                super().__init__(hass, name="mine")
                self.client = client

            def on_message(self, kind):
                self._refresh()
                self._notify()

            def _refresh(self):
                self.hass.async_create_task(self.reload())

            def _notify(self):
                self.client.create_task(self.reload())

            async def reload(self):
                pass
    """, "tests/test_c.py": """
        from unittest.mock import MagicMock
        from app.coord import Mine

        def test_message():
            hass = MagicMock()
            hass.async_create_task = MagicMock()
            client = MagicMock()
            Mine(hass, client).on_message("refresh")
    """})
    # both run on on_message's straight path; `self.client` is stored by the project's own __init__: certain
    # (reported where the test built `client`: the double's scheduler is a default child of it); `self.hass`
    # is only where the library base probably keeps `hass` (its code is not read): likely
    assert codes(tmp_path, "tests/test_c.py") == [("test_c.py", "GF107", 7, "likely"),
                                                  ("test_c.py", "GF107", 8, "certain")]


COG = """
    class Cache:
        async def set(self, key, value):
            pass


    class Cog:
        store = Cache()

        def __init__(self, bot):
            self.bot = bot

        async def remember(self, key):
            await self.store.set(key, 1)

        async def run(self, kick):
            if kick:
                await self._kick()
            else:
                await self._sync()

        async def _kick(self):
            pass

        async def _sync(self):
            pass
"""

SPEC_HELPER = """
    import unittest.mock


    def autospec(target, *attributes, pass_mocks=True, **patch_kwargs):
        kwargs = dict(spec_set=True, autospec=True)
        kwargs.update(patch_kwargs)

        def decorator(func):
            for attribute in attributes:
                patcher = unittest.mock.patch.object(target, attribute, **kwargs)
                if not pass_mocks:
                    patcher.dont_pass = True
                func = patcher(func)
            return func
        return decorator
"""


def test_patches_a_suite_decorator_applies_to_the_class_and_through_a_wrapper(tmp_path):
    project(tmp_path, {"app/cog.py": COG, "tests/__init__.py": "", "tests/spec.py": SPEC_HELPER, "tests/test_cog.py": """
        import unittest
        from unittest.mock import MagicMock
        from app import cog
        from tests.spec import autospec


        def runs_helper(function):
            @autospec(cog.Cog, "_sync", "_kick")
            async def inner(self, sync, kick):
                await function(self, sync, kick)
            return inner


        @autospec(cog.Cog, "store", pass_mocks=False)
        class CogTests(unittest.IsolatedAsyncioTestCase):
            def setUp(self):
                self.cog = cog.Cog(MagicMock())

            async def test_remember(self):
                await self.cog.remember("k")
                self.cog.store.set.assert_called_once_with("k", 1)

            @runs_helper
            async def test_run(self, sync, kick):
                await self.cog.run(kick=True)
                kick.assert_called_once_with(self.cog)
                sync.assert_not_called()

            @autospec(cog.Cog, "_sync")
            async def test_sync(self, sync):
                await self.cog.run(kick=False)
                sync.assert_called_once()
    """})
    # a class decorator patches every test method; the helper's autospec'd doubles reach the test through
    # the wrapper's call (test_run) or as the test's own parameters (test_sync)
    assert codes(tmp_path, "tests/test_cog.py", "certain") == [
        ("test_cog.py", "GF110", 22, "certain"), ("test_cog.py", "GF105", 27, "certain"),
        ("test_cog.py", "GF110", 33, "certain")]


ABSTRACT = """
    import abc


    class Base(abc.ABC):
        @abc.abstractmethod
        async def open(self):
            ...

        @abc.abstractmethod
        def name(self):
            ...

        async def __aenter__(self):
            await self.open()
            self.name()
            return self
"""

FILLER = """
    import asyncio
    from unittest import mock


    def fill(klass, *, init=True, **namespace):
        if init is False:
            namespace["__init__"] = lambda _: None
        for method_name in klass.__abstractmethods__:
            if method_name in namespace:
                continue
            attr = getattr(klass, method_name)
            if asyncio.iscoroutinefunction(attr):
                namespace[method_name] = mock.AsyncMock(spec_set=attr)
            else:
                namespace[method_name] = mock.Mock(spec_set=attr)
        return type("Mock" + klass.__name__, (klass,), namespace)
"""


def test_a_helper_that_fills_abstract_methods_by_their_kind(tmp_path):
    project(tmp_path, {"app/base.py": ABSTRACT, "tests/__init__.py": "", "tests/fill.py": FILLER,
                       "tests/test_b.py": """
        from unittest import mock
        from app import base
        from tests.fill import fill

        async def test_enter():
            cls = fill(base.Base)
            async with cls():
                cls.open.assert_called_once()
                cls.name.assert_called_once()

        async def test_enter_given():
            cls = fill(base.Base, name=mock.AsyncMock())
            async with cls():
                pass
    """})
    # `open` is an async def: the helper made an AsyncMock, which __aenter__ awaits; `name` a Mock (right);
    # a member the test passed itself is not replaced (the `continue`): its AsyncMock is called without await
    assert codes(tmp_path, "tests/test_b.py", "certain") == [("test_b.py", "GF110", 9, "certain"),
                                                              ("test_b.py", "GF101", 13, "certain")]


SETTER = """
    from dataclasses import dataclass
    from enum import Enum, auto


    @dataclass
    class Setting:
        class Kind(Enum):
            PLAIN = auto()
            ACTION = auto()

        device: object
        setter: str
        container: object = None
        kind: Kind = Kind.PLAIN

        async def set_value(self, value):
            if self.setter is None:
                raise ValueError("read-only")
            container = self.container if self.container is not None else self.device
            if self.kind == Setting.Kind.ACTION:
                return await getattr(container, self.setter)()
            return await getattr(container, self.setter)(value)
"""


def test_a_member_the_code_reaches_by_a_name_the_test_set(tmp_path):
    project(tmp_path, {"app/setting.py": SETTER, "tests/test_set.py": """
        from unittest.mock import AsyncMock, patch
        from app.setting import Setting

        class Device:
            pass

        async def test_set():
            setting = Setting(device=Device(), setter="old", container=None, kind=Setting.Kind.PLAIN)
            with patch.object(setting.device, "set_level", create=True) as set_level:
                setting.setter = "set_level"
                await setting.set_value(3)

        async def test_set_async():
            setting = Setting(device=Device(), setter="set_level", container=None)
            with patch.object(setting.device, "set_level", create=True, new_callable=AsyncMock) as set_level:
                await setting.set_value(3)
            set_level.assert_awaited_once_with(3)
    """})
    # getattr(container, self.setter) with setter "set_level" and container None is device.set_level: awaited,
    # and patch.object(..., create=True) made it a MagicMock; the kind the test chose settles the early return,
    # so the await is on the path the test runs: certain
    assert codes(tmp_path, "tests/test_set.py") == [("test_set.py", "GF104", 10, "certain")]
