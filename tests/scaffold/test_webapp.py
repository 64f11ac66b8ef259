"""The e2e tier's static view of a FastAPI app: full route paths (router, include_router, settings
and mount prefixes, a factory's router parameter), the dependency chain (credentials, the user and
session dependencies to override) and the generated e2e conftest, which imports the project lazily."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gapfinder.config import load_config
from gapfinder.core.project import discover
from gapfinder.core.source import parse, read_source
from gapfinder.scaffold import e2e
from gapfinder.scaffold.depends import DependencyReader
from gapfinder.scaffold.pipeline import scaffold
from gapfinder.scaffold.target import public_targets
from gapfinder.core.usage.module import build_model
from gapfinder.scaffold.webapp import ProjectIndex, RouteMap

FILES = {
    "shop/__init__.py": "",
    "shop/core/__init__.py": "",
    "shop/core/config.py": '''from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    API_V1_STR: str = "/api/v1"


settings = Settings()
''',
    "shop/db.py": '''from collections.abc import Generator
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session, SQLModel, create_engine

engine = create_engine("postgresql://db/shop")


def get_db() -> Generator[Session, None, None]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


class Item(SQLModel, table=True):
    id: int | None = None
    title: str


def find_item(session: Session, title: str) -> Item | None:
    return session.get(Item, title)
''',
    "shop/deps.py": '''from typing import Annotated, Optional

from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

from shop.db import SessionDep
from shop.models import User

oauth2 = OAuth2PasswordBearer(tokenUrl="/login")
optional_oauth2 = OAuth2PasswordBearer(tokenUrl="/login", auto_error=False)


def get_current_user(session: SessionDep, token: Annotated[str, Depends(oauth2)]) -> User:
    raise HTTPException(status_code=403)


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_current_active_superuser(current_user: CurrentUser) -> User:
    if not current_user.is_superuser:
        raise HTTPException(status_code=403)
    return current_user


def maybe_user(token: Optional[str] = Depends(optional_oauth2)) -> Optional[User]:
    return None
''',
    "shop/models.py": '''from pydantic import BaseModel, EmailStr


class User(BaseModel):
    id: int
    email: EmailStr
    is_superuser: bool = False
    full_name: str | None = None
''',
    "shop/routes/__init__.py": "",
    "shop/routes/items.py": '''from fastapi import APIRouter, Depends

from shop.db import SessionDep
from shop.deps import CurrentUser, get_current_active_superuser, maybe_user

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/{item_id}")
def read_item(item_id: int, session: SessionDep, user=Depends(maybe_user)) -> dict:
    return {}


@router.post("/", status_code=201)
def create_item(session: SessionDep, current_user: CurrentUser) -> dict:
    return {}


@router.delete("/{item_id}", dependencies=[Depends(get_current_active_superuser)])
def delete_item(item_id: int, session: SessionDep) -> dict:
    return {}
''',
    "shop/api.py": '''from fastapi import APIRouter

from shop.routes import items

api_router = APIRouter()
api_router.include_router(items.router)
''',
    "shop/setup.py": '''from fastapi import FastAPI


def create_application(router, settings) -> FastAPI:
    application = FastAPI()
    application.include_router(router, prefix=settings.API_V1_STR)
    return application
''',
    "shop/admin.py": '''from fastapi import FastAPI

admin = FastAPI()


@admin.get("/stats")
def stats() -> dict:
    return {}
''',
    "shop/main.py": '''from shop.admin import admin
from shop.api import api_router
from shop.core.config import settings
from shop.setup import create_application

app = create_application(router=api_router, settings=settings)
app.mount("/admin", admin)
''',
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("shop")
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n')
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _index(root: Path) -> tuple[ProjectIndex, object]:
    project = discover(root, load_config(root))
    paths = {f.module: f.path for f in project.files}

    def read_module(name: str):
        return parse(read_source(root / paths[name])) if name in paths else None

    return ProjectIndex.build(project, read_module), project


def _func(index: ProjectIndex, module: str, name: str):
    return index.models[module].functions[name]


def test_route_paths_carry_every_prefix_up_to_the_app(shop) -> None:
    index, _ = _index(shop)
    routes = RouteMap(index, ("shop.main", "app"))
    items = "shop.routes.items"
    assert routes.path(items, _func(index, items, "read_item"), "/{item_id}") == "/api/v1/items/{item_id}"
    assert routes.path(items, _func(index, items, "create_item"), "/") == "/api/v1/items/"
    assert routes.path("shop.admin", _func(index, "shop.admin", "stats"), "/stats") == "/admin/stats"


def test_a_router_no_app_serves_has_no_path(shop) -> None:
    index, _ = _index(shop)
    routes = RouteMap(index, ("shop.main", "app"))
    index.models["shop.api"].tree.body.pop()  # the include_router line
    unserved = RouteMap(index, ("shop.main", "app"))
    items = "shop.routes.items"
    assert routes.path(items, _func(index, items, "read_item"), "/{item_id}") is not None
    assert unserved.path(items, _func(index, items, "read_item"), "/{item_id}") is None


def test_dependency_chain_finds_credentials_user_and_session(shop) -> None:
    index, _ = _index(shop)
    reader = DependencyReader(index)
    items = "shop.routes.items"
    create = reader.route(items, _func(index, items, "create_item"))
    assert create.takes_token and create.user is not None and create.user[0] == ("shop.deps", "get_current_user")
    assert create.sessions == {("shop.db", "get_db"): False}
    delete = reader.route(items, _func(index, items, "delete_item"))  # through dependencies=[...] and an alias
    assert delete.takes_token and delete.user[0] == ("shop.deps", "get_current_user")
    read = reader.route(items, _func(index, items, "read_item"))  # optional auth: open to anyone
    assert not read.takes_token and read.user is None


def test_e2e_drafts_and_their_conftest(shop, tmp_path) -> None:
    index, project = _index(shop)
    web = e2e.analyse(project, lambda m: index.models[m].tree if m in index.models else None, ("shop.main", "app"),
                      None, ())
    assert web.sessions == (("shop.db", "get_db"),) and not web.async_sessions
    assert web.metadata == ("sqlmodel", "SQLModel") and web.models == ("shop.db",)
    assert web.user == ("shop.deps", "get_current_user")
    assert web.user_value == 'User(id=10, email="user@example.com", is_superuser=True)'
    model = build_model(index.models["shop.routes.items"].tree, "shop.routes.items")
    views = {v["name"]: v for v in e2e.route_views(web, "shop.routes.items", public_targets(model))}
    assert views["read_item"]["path"] == "/api/v1/items/1" and not views["read_item"]["protected"]
    assert views["create_item"]["status"] == 201 and views["create_item"]["stand_in"]


def test_generated_e2e_conftest_imports_the_project_inside_fixtures(shop) -> None:
    result = scaffold("shop/routes/items.py", project_root=shop, kinds=("e2e",), dry_run=True)
    texts = {f.path: "".join(line[1:] for line in f.diff.splitlines(keepends=True)
                             if line.startswith("+") and not line.startswith("+++")) for f in result.files}
    conftest = texts["tests/e2e/conftest.py"]
    top = [ast.unparse(s) for s in ast.parse(conftest).body if isinstance(s, (ast.Import, ast.ImportFrom))]
    assert top == ["import pytest", "import pytest_asyncio"]
    assert "    from shop.main import app as application" in conftest
    assert "    from shop.db import get_db as session_dependency_1" in conftest
    assert "scaffold_app.dependency_overrides[session_dependency_1] = scaffold_database" in conftest
    assert "    from shop.deps import get_current_user as user_dependency" in conftest
    tests = texts["tests/e2e/test_routes_items.py"]
    assert 'await api_client.post("/api/v1/items/", json={})\n\n    assert response.status_code in (401, 403)' in tests
    assert "assert result == 201" in tests and "< 500" not in tests


def test_an_observed_status_replaces_the_drafted_one() -> None:
    seen = {"outcome": "failed", "exc_type": "builtins.AssertionError", "result": {"literal": "404"}}
    line, why = e2e.observed_status("test_read_item_accepts_authenticated", seen)
    assert line is not None and line.startswith("assert result == 404  # observed") and why is None
    refused = {**seen, "result": {"literal": "403"}}
    assert e2e.observed_status("test_read_item_accepts_authenticated", refused)[0] is None
    assert "refused the stand-in user (403)" in e2e.observed_status("test_x_accepts_authenticated", refused)[1]
    crashed = e2e.observed_status("test_read_item_responds", {**seen, "result": {"literal": "500"}})
    assert crashed == (None, "needs a person: the route answered 500 (a server error)")
    code = ("async def test_a(c):\n    result = 1\n\n    assert result == 200\n\n\n"
            "async def test_b(c):\n    result = 1\n\n    assert result == 200\n")
    changed = e2e.apply_status(code, "test_b", line)
    assert changed.count("assert result == 200") == 1 and changed.endswith(line + "\n")


def test_sqlmodel_functions_get_a_sync_sqlite_session(shop) -> None:
    result = scaffold("shop/db.py", project_root=shop, kinds=("integration",), dry_run=True)
    texts = {f.path: "".join(line[1:] for line in f.diff.splitlines(keepends=True)
                             if line.startswith("+") and not line.startswith("+++")) for f in result.files}
    assert "def test_find_item_on_database(db_session)" in texts["tests/integration/test_db.py"]
    conftest = texts["tests/integration/conftest.py"]
    assert "def db_session(tmp_path):" in conftest and "    import shop.db  # noqa: F401" in conftest
    assert "SQLModel.metadata.create_all(engine)" in conftest
