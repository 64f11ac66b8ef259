from pathlib import Path

import pytest

import black


def test_user_config_follows_xdg_config_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    black.files.find_user_pyproject_toml.cache_clear()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    user_config = black.files.find_user_pyproject_toml()
    assert user_config == (tmp_path / "black").resolve()
