"""Module names come from import roots, not from the folder named on the command line."""

from __future__ import annotations

from pathlib import Path

from gapfinder import api


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


MONOREPO = {
    "pyproject.toml": '[project]\nname = "mono"\n',
    "backend/app/__init__.py": "",
    "backend/app/models.py": "class User:\n    pass\n",
    "backend/app/users.py": "from backend.app.models import User\n\n\ndef make():\n    return User()\n",
    "backend/app/orders.py": "import backend.app.models\n\n\ndef owner():\n    return backend.app.models.User()\n",
    "frontend_tools/build.py": "def build():\n    return 1\n",
}


def test_a_subfolder_run_names_modules_as_the_whole_project_does(tmp_path: Path) -> None:
    _write(tmp_path, MONOREPO)
    whole = api.rank(tmp_path, use_cache=False, overrides={"top": 0, "git": False})
    sub = api.rank(tmp_path / "backend", use_cache=False, overrides={"top": 0, "git": False})
    in_backend = {r.name for r in whole.rows if r.path.startswith("backend/")}
    assert {r.name for r in sub.rows} == in_backend == {"backend.app.models", "backend.app.users",
                                                        "backend.app.orders"}
    models_whole = next(r for r in whole.rows if r.name == "backend.app.models")
    models_sub = next(r for r in sub.rows if r.name == "backend.app.models")
    for row in (models_whole, models_sub):  # the graph resolves the project's own imports either way
        assert next(p.reason for p in row.parts if p.name == "centrality").startswith("imported by 2 modules")


def test_a_service_on_sys_path_keeps_its_bare_names(tmp_path: Path) -> None:
    """The same folders, but the code imports `app.models`: backend/ itself is the import root."""
    files = {rel: text.replace("backend.app", "app") for rel, text in MONOREPO.items()}
    _write(tmp_path, files)
    sub = api.rank(tmp_path / "backend", use_cache=False, overrides={"top": 0, "git": False})
    assert {r.name for r in sub.rows} == {"app.models", "app.users", "app.orders"}


def test_a_package_folder_is_named_by_its_package_chain(tmp_path: Path) -> None:
    _write(tmp_path, {"pyproject.toml": "", "shop/__init__.py": "", "shop/cart/__init__.py": "",
                      "shop/cart/lines.py": "def add(a, b):\n    return a + b\n"})
    sub = api.rank(tmp_path / "shop" / "cart", use_cache=False, overrides={"top": 0, "git": False})
    assert {r.name for r in sub.rows} == {"shop.cart.lines"}
