"""Discovery: layouts, module names, what is left out, and bad paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from gapfinder.config import load_config
from gapfinder.errors import ConfigError, ProjectError
from gapfinder.core.project import discover


def tree(root: Path, *paths: str) -> Path:
    for rel in paths:
        file = root / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("x = 1\n")
    return root


def modules(root: Path) -> dict[str, str]:
    return {f.path: f.module for f in discover(root, load_config(root)).files}


def test_flat_layout_with_several_packages_and_a_namespace_package(tmp_path):
    tree(tmp_path, "app/__init__.py", "app/api/routes.py", "worker/jobs.py", "tool.py", "setup.py",
         "app/tests/test_routes.py", "tests/test_tool.py", "conftest.py")
    assert modules(tmp_path) == {
        "app/__init__.py": "app",
        "app/api/routes.py": "app.api.routes",  # namespace package: no __init__.py in app/api
        "worker/jobs.py": "worker.jobs",
        "tool.py": "tool",
    }
    project = discover(tmp_path, load_config(tmp_path))
    assert project.test_files == ("app/tests/test_routes.py", "conftest.py", "tests/test_tool.py")


def test_src_layout_names_modules_from_src(tmp_path):
    tree(tmp_path, "src/textkit/__init__.py", "src/textkit/parse.py", "tests/test_parse.py")
    assert modules(tmp_path) == {"src/textkit/__init__.py": "textkit", "src/textkit/parse.py": "textkit.parse"}


def test_leaves_out_venvs_builds_migrations_hidden_and_configured_excludes(tmp_path):
    tree(tmp_path, "app/core.py", "app/migrations/0001_initial.py", "build/lib/app/core.py",
         ".tox/py/x.py", "myenv/lib/site.py", "db/alembic/versions/abc.py", "app/generated/big.py",
         "app/__pycache__/x.py", "app.egg-info/x.py")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "pyproject.toml").write_text('[tool.gapfinder]\nexclude = ["app/generated"]\n')
    assert modules(tmp_path) == {"app/core.py": "app.core"}


def test_configured_source_roots(tmp_path):
    tree(tmp_path, "backend/svc/__init__.py", "backend/svc/a.py", "scripts/s.py")
    (tmp_path / "pyproject.toml").write_text('[tool.gapfinder]\nsource = ["backend"]\n')
    assert modules(tmp_path) == {"backend/svc/__init__.py": "svc", "backend/svc/a.py": "svc.a"}
    (tmp_path / "pyproject.toml").write_text('[tool.gapfinder]\nsource = ["nope"]\n')
    with pytest.raises(ProjectError, match="'nope'"):
        discover(tmp_path, load_config(tmp_path))


def test_bad_paths(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        discover(tmp_path / "missing", load_config(tmp_path))
    file = tree(tmp_path, "a.py") / "a.py"
    with pytest.raises(ProjectError, match="not a folder"):
        discover(file, load_config(tmp_path))


def test_config_layers_and_reports_problems(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.gapfinder]\ntop = 5\nsince = "6 months"\n[tool.gapfinder.weights]\nfixes = 2\n'
    )
    config = load_config(tmp_path, {"top": 9, "since": None})
    assert config.top == 9 and config.since == "6 months" and config.weights["fixes"] == 2


def test_unknown_keys_are_errors_that_name_the_file_and_the_closest_key(tmp_path):
    """`fail_undr = 80` used to be a warning: the CI gate was silently off."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.gapfinder]\nfail_undr = 80\ncolour = "red"\n[tool.gapfinder.weights]\nchurn = 1\nchrun = 1\n')
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    message = caught.value.message
    assert str(tmp_path / "pyproject.toml") in message
    assert "unknown key 'fail_undr' (did you mean 'fail_under'?)" in message
    assert "unknown key 'colour'" in message and "colour' (did" not in message
    assert "unknown weight 'chrun' in [tool.gapfinder.weights] (did you mean 'churn'?)" in message


def test_a_bad_command_line_value_is_blamed_on_the_command_line(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.gapfinder]\ntop = 5\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, {"fail_under": 120})
    assert caught.value.message.startswith("Configuration problems on the command line: --fail-under")
    assert "pyproject.toml" not in caught.value.message


    (tmp_path / "pyproject.toml").write_text('[tool.gapfinder]\ntop = "many"\ngit = 3\n')
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert "'top' must be a whole number" in caught.value.message and "'git' must be true or false" in caught.value.message
    (tmp_path / "pyproject.toml").write_text("[tool.gapfinder\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path)
