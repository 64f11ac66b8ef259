"""A Flask + Flask-Login project: the client fixtures, e2e route tests and unit tests of views
inside a request context all run and pass."""

from __future__ import annotations

import pytest

from gapfinder.scaffold.pipeline import scaffold
from scaffold_runner import run_pytest

pytest.importorskip("flask_login")

APP = '''from flask import Flask, jsonify
from flask_login import LoginManager, current_user, login_required

app = Flask(__name__)
app.secret_key = "test-only-secret-key-0123456789abcdef"
login = LoginManager(app)


@login.user_loader
def load_user(user_id):
    return None  # a real project reads its database here


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.route("/me", methods=["GET"])
@login_required
def me():
    return jsonify(id=current_user.get_id())
'''


def test_flask_project_scaffolds_and_passes(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "web"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n')
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "__init__.py").write_text("")
    (tmp_path / "web" / "app.py").write_text(APP)
    result = scaffold("web/app.py", project_root=tmp_path, kinds=("unit", "e2e"))
    e2e = (tmp_path / "tests" / "e2e" / "test_app.py").read_text()
    assert "def test_me_rejects_anonymous(flask_client)" in e2e
    assert "def test_me_accepts_logged_in(logged_in_client)" in e2e
    assert "FlaskLoginClient" in (tmp_path / "tests" / "e2e" / "conftest.py").read_text()
    run = run_pytest(tmp_path, "-p", "no:randomly", "tests")
    assert run.returncode == 0, run.output
    assert len(run.outcomes) == result.tests == 5
    # load_user only returns None (the fixture's stand-in): a test of it could not fail, none is drafted
    assert "def test_load_user" not in (tmp_path / "tests" / "unit" / "test_app.py").read_text()
