"""The generated conftest files on a project whose app cannot import and whose pytest.ini has
--strict-markers: the unit tests still collect and pass, the app's import failure stays in e2e."""

from __future__ import annotations

import sys

import pytest

from gapfinder.scaffold.pipeline import scaffold
from scaffold_runner import run_pytest

pytest.importorskip("fastapi")
pytest.importorskip("jwt")

MAIN = '''import os

from fastapi import Depends, FastAPI

from web.auth import get_current_user

SETTINGS = os.environ["WEB_SETTINGS_THAT_ARE_NEVER_SET"]  # the app cannot import in the tests
app = FastAPI()


@app.get("/me")
async def me(user=Depends(get_current_user)):
    return {"id": user}
'''

AUTH = '''import jwt

SECRET_KEY = "web-secret-key-for-tests-0123456789abcdef"
ALGORITHM = "HS256"


def get_current_user(token: str = "") -> str:
    return jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])["sub"]


def display_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()
'''


def test_a_broken_app_fails_only_the_tests_that_use_it(tmp_path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers\npythonpath = .\n")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "__init__.py").write_text("")
    (tmp_path / "web" / "main.py").write_text(MAIN)
    (tmp_path / "web" / "auth.py").write_text(AUTH)
    result = scaffold("web/auth.py", project_root=tmp_path, run=True, python=sys.executable)
    shared = (tmp_path / "tests" / "conftest.py").read_text()
    assert "\nfrom web" not in shared and "\nimport web" not in shared  # project code only inside fixtures
    assert "scaffold:" in (tmp_path / "tests" / "unit" / "conftest.py").read_text()
    assert not (tmp_path / "tests" / "e2e").exists()
    run = run_pytest(tmp_path, "-p", "no:randomly", "tests/unit")
    assert run.returncode == 0, run.output
    assert result.run is not None and result.run.tests == 2
    assert result.run.passed + len(result.run.needs_person) == 2 and result.run.passed >= 1


def test_configure_pytest_edits_the_pytest_ini_pytest_reads(tmp_path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers\npythonpath = .\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "web"\n')
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "__init__.py").write_text("")
    (tmp_path / "web" / "auth.py").write_text(AUTH)
    scaffold("web/auth.py", project_root=tmp_path, configure_pytest=True)
    assert "error::RuntimeWarning" in (tmp_path / "pytest.ini").read_text()
    assert (tmp_path / "pyproject.toml").read_text() == '[project]\nname = "web"\n'
    run = run_pytest(tmp_path, "-p", "no:randomly", "--collect-only", "tests/unit")  # static drafts: collection
    assert run.returncode == 0, run.output
