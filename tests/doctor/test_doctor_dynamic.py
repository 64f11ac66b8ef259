"""Doubles a suite builds out of sight: fixtures from `pytest_plugins` modules, methods patched on a
project class by string target, suite helpers that build a class with `type(name, (klass,), namespace)`."""

from __future__ import annotations

import textwrap
from pathlib import Path

from gapfinder.doctor.lint import lint
from gapfinder.doctor.rules import RULES

ALL = frozenset(r.code for r in RULES)

CODE = """
    class Device:
        def __init__(self, host):
            self.host = host
            self.session = None

        async def close(self):
            self.session.shutdown()
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    for rel, text in {"app/__init__.py": "", "app/code.py": CODE, **files}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


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
