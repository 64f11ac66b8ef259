"""What the project offers the generated tests (app factory, auth settings, database models), and
the conftest, integration and e2e files built on it.

Detection reads the project's source with `ast`; nothing of the project is imported.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from typing import Callable

import jinja2

from gapfinder import __version__
from gapfinder.model import Project, SourceFile
from gapfinder.scaffold import e2e, render
from gapfinder.scaffold.exprs import Resolver
from gapfinder.scaffold.plans import IO_MODULES, TestCase, dependency_double
from gapfinder.core.usage.module import ModuleModel
from gapfinder.scaffold.target import Target
from gapfinder.scaffold.values import Namer

Ref = tuple[str, str]  # (module, name)
SECRET_NAMES = ("SECRET_KEY", "JWT_SECRET", "JWT_SECRET_KEY")
ALGORITHM_NAMES = ("ALGORITHM", "JWT_ALGORITHM")
CURRENT_USER_NAMES = ("get_current_user", "current_user", "get_current_active_user")
SESSION_NAMES = ("get_session", "get_db", "get_db_session")


@dataclass(frozen=True)
class ProjectOffers:
    """What the project offers its generated tests: its app, auth secret and algorithm, database models."""

    package: str
    secret: Ref | None = None
    algorithm: Ref | None = None
    uses_jwt: bool = False
    fastapi_app: Ref | None = None
    app_is_factory: bool = False
    flask_app: Ref | None = None
    flask_is_factory: bool = False
    flask_login: bool = False
    current_user: Ref | None = None
    session_dependency: Ref | None = None
    base: Ref | None = None  # declarative base whose metadata holds the tables
    models: tuple[str, ...] = ()  # modules that define tables
    user_model: Ref | None = None


# Folders whose apps are demos or tooling, not the application the tests are for.
NOT_THE_APP = frozenset({"examples", "example", "docs", "doc", "scripts", "tests", "test", "benchmarks"})


def detect(project: Project, read_module: Callable[[str], ast.Module | None]) -> ProjectOffers:
    found: dict[str, object] = {}
    models: list[str] = []
    package = project.files[0].module.split(".", 1)[0] if project.files else ""
    trees = []
    for source in project.files:
        tree = read_module(source.module)
        if tree is None or NOT_THE_APP & set(source.path.split("/")[:-1]):
            continue
        trees.append((source.module, tree))
        for stmt in tree.body:
            _detect_stmt(stmt, source.module, found, models)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "jwt" for a in node.names):
                found["uses_jwt"] = True
            if isinstance(node, (ast.Import, ast.ImportFrom)) and "flask_login" in ast.unparse(node):
                found["flask_login"] = True
    if found.get("app_is_factory"):
        built = _app_built_by_factory(trees, found["fastapi_app"][1])  # type: ignore[index]
        if built is not None:
            found["fastapi_app"], found["app_is_factory"] = built, False
    if found.get("fastapi_app") and not found.get("app_is_factory"):
        found["fastapi_app"] = _unmounted(trees, found["fastapi_app"])  # type: ignore[arg-type]
    return ProjectOffers(package=package, models=tuple(models), **found)  # type: ignore[arg-type]


def _unmounted(trees: list[tuple[str, ast.Module]], app: Ref) -> Ref:
    """The app itself rather than a sub-app mounted into it (`app.mount("/admin", admin)`): another
    module-level app built by FastAPI() or a factory that is mounted nowhere, else app."""
    mounted = {n.args[1].id for _, tree in trees for n in ast.walk(tree) if isinstance(n, ast.Call)
               and isinstance(n.func, ast.Attribute) and n.func.attr == "mount" and len(n.args) > 1
               and isinstance(n.args[1], ast.Name)}
    if app[1] not in mounted:
        return app
    factories = {s.name for _, tree in trees for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and any(_called_name(n) == "FastAPI" for n in ast.walk(s))}
    for module, tree in trees:
        for stmt in tree.body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id not in mounted
                    and (_called_name(stmt.value) == "FastAPI" or _called_name(stmt.value) in factories)):
                return module, stmt.targets[0].id
    return app


def _app_built_by_factory(trees: list[tuple[str, ast.Module]], factory: str) -> Ref | None:
    """`app = create_application(router=..., settings=...)` at module level: the app itself, which
    needs none of the factory's arguments from the tests."""
    for module, tree in trees:
        for stmt in tree.body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                    and _called_name(stmt.value) == factory):
                return module, stmt.targets[0].id
    return None


def _detect_stmt(stmt: ast.stmt, module: str, found: dict[str, object], models: list[str]) -> None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        name = stmt.targets[0].id
        if name in SECRET_NAMES:
            found.setdefault("secret", (module, name))
        elif name in ALGORITHM_NAMES:
            found.setdefault("algorithm", (module, name))
        called = _called_name(stmt.value)
        if called == "FastAPI" and (found.get("app_is_factory") or "fastapi_app" not in found):
            found["fastapi_app"], found["app_is_factory"] = (module, name), False
        elif called == "Flask" and (found.get("flask_is_factory") or "flask_app" not in found):
            found["flask_app"], found["flask_is_factory"] = (module, name), False
        elif called == "declarative_base":
            found.setdefault("base", (module, name))
    elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if stmt.name in CURRENT_USER_NAMES:
            found.setdefault("current_user", (module, stmt.name))
        elif stmt.name in SESSION_NAMES:
            found.setdefault("session_dependency", (module, stmt.name))
        elif "fastapi_app" not in found and any(_called_name(n) == "FastAPI" for n in ast.walk(stmt)):
            found["fastapi_app"] = (module, stmt.name)
            found["app_is_factory"] = True
        elif "flask_app" not in found and any(_called_name(n) == "Flask" for n in ast.walk(stmt)):
            found["flask_app"] = (module, stmt.name)
            found["flask_is_factory"] = True
    elif isinstance(stmt, ast.ClassDef):
        bases = {ast.unparse(b).rsplit(".", 1)[-1] for b in stmt.bases}
        if "DeclarativeBase" in bases:
            found.setdefault("base", (module, stmt.name))
        has_table = any(isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__tablename__"
                                                         for t in s.targets) for s in stmt.body)
        if has_table:
            if module not in models:
                models.append(module)
            if stmt.name == "User":
                found.setdefault("user_model", (module, "User"))


def _called_name(expr: ast.AST) -> str | None:
    if isinstance(expr, ast.Call):
        func = expr.func
        return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return None


def render_conftest(env: jinja2.Environment, facts: ProjectOffers, package: str) -> str:
    """Fixtures every tier may use (tokens, the test database), for the tests folder's conftest.py;
    "" when the project offers none. The project's code is imported inside the fixtures only."""
    database = bool(facts.base is not None and facts.models)
    if not (facts.uses_jwt or database):
        return ""
    imports: set[tuple[str, str | None]] = {("pytest", None)}
    if facts.uses_jwt:
        imports.add(("time", None))
    if database:
        imports.add(("pytest_asyncio", None))
    code = render.render(env, "conftest.py.j2", version=__version__, facts=facts, database=database,
                         imports=render.format_imports(imports, package))
    return render.check_parses(code, "conftest.py.j2")


SERVICE_WORDS = re.compile(r"\b(Session|engine|connect|create_all|init_db|redis|Redis|database|psycopg|asyncpg)\b")


def service_fixtures(conftests: list[ast.Module]) -> list[tuple[str, str]]:
    """(name, scope) of the autouse fixtures in the conftest files above a tier's folder that open a
    service (a database session, a connection): unit tests double their I/O and need none of them."""
    found = []
    for tree in conftests:
        for stmt in tree.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for decorator in stmt.decorator_list:
                if not (isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("fixture")):
                    continue
                keywords = {k.arg: k.value for k in decorator.keywords}
                autouse = keywords.get("autouse")
                if not (isinstance(autouse, ast.Constant) and autouse.value is True):
                    continue
                scope = keywords.get("scope")
                scope_name = scope.value if isinstance(scope, ast.Constant) and isinstance(scope.value, str) \
                    else "function"
                body = "\n".join(ast.unparse(s) for s in stmt.body)
                if SERVICE_WORDS.search(body) and stmt.name not in {n for n, _ in found}:
                    found.append((stmt.name, scope_name))
    return found


def render_tier_conftest(
    env: jinja2.Environment, kind: str, facts: ProjectOffers, package: str, configure_pytest: bool,
    stand_ins: list[tuple[str, str]] = (),  # type: ignore[assignment]
    web_app: e2e.WebApp | None = None, tables: tuple[str, ...] = (),
) -> str:
    """The conftest.py of one tier's folder: the scaffold marker and warnings filters, and for e2e
    the app and client fixtures (so a broken app never stops the unit tests from collecting)."""
    web = kind == "e2e" and facts.fastapi_app is not None
    flask = facts.flask_app is not None and kind == "e2e"
    imports: set[tuple[str, str | None]] = {("pytest", None)}
    if web:
        imports.add(("pytest_asyncio", None))
    database = bool(facts.base is not None and facts.models)
    shown = facts if flask else replace(facts, flask_app=None)
    code = render.render(env, "tier_conftest.py.j2", version=__version__, kind=kind, facts=shown, web=web,
                         database=database, filters=not configure_pytest, app=web_app or e2e.WebApp(), tables=tables,
                         stand_ins=list(stand_ins),
                         imports=render.format_imports(imports, package))
    return render.check_parses(code, "tier_conftest.py.j2")


def render_kind(
    env: jinja2.Environment, kind: str, model: ModuleModel, targets: list[Target], facts: ProjectOffers, source: SourceFile,
    web: e2e.WebApp | None = None,
) -> tuple[str, int]:
    """e2e tests for the module's routes, and how many; ("", 0) when none apply."""
    if kind == "e2e" and facts.fastapi_app is None and facts.flask_app is not None:
        routes = [t for t in targets if t.route is not None and t.route.method != "WEBSOCKET"]
        if not routes:
            return "", 0
        views = [{**_route_view(t), "protected": _login_required(t)} for t in routes]
        code = render.render(env, "e2e_flask_test.py.j2", header=render.header(env, source.path, source.module, kind),
                             routes=views, has_login=facts.flask_login,
                             imports=render.format_imports({("pytest", None)}, model.package))
        return render.check_parses(code, "e2e_flask_test.py.j2"), len(routes)
    if kind == "e2e" and facts.fastapi_app is not None and web is not None:
        views = e2e.route_views(web, model.module, targets)
        if not views:
            return "", 0
        head = render.header(env, source.path, source.module, kind)
        imports: set[tuple[str, str | None]] = {("pytest", None)}
        resolver = Resolver(model, lambda name: None)
        by_name = {t.name: t for t in targets}
        for view in views:
            view["arrange"], view["overrides"] = _io_overrides(model, by_name[str(view["name"])], resolver, imports)
        code = render.render(env, "e2e_test.py.j2", header=head, routes=views, has_token=facts.uses_jwt,
                             imports=render.format_imports(imports, model.package))
        return render.check_parses(code, "e2e_test.py.j2"), code.count("@pytest.mark.scaffold\n")
    return "", 0


def _io_overrides(
    model: ModuleModel, target: Target, resolver: Resolver, imports: set[tuple[str, str | None]],
) -> tuple[list[str], list[tuple[str, str]]]:
    """Doubles for the route's dependencies that open network clients (httpx, redis ...)."""
    lines: list[str] = []
    overrides: list[tuple[str, str]] = []
    namer = Namer({"scaffold_app", "api_client", "authenticated_client", "response", "headers"})
    returned = _empty_of(target.node.returns)
    args = target.node.args
    defaults = dict(zip([a.arg for a in args.args][len(args.args) - len(args.defaults):], args.defaults))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    for param, default in defaults.items():
        if not (isinstance(default, ast.Call) and default.args and ast.unparse(default.func).endswith("Depends")):
            continue
        dependency = default.args[0]
        if not isinstance(dependency, ast.Name) or dependency.id not in model.functions:
            continue
        if not _opens_clients(model, model.functions[dependency.id]):
            continue
        built, needed, var = dependency_double(model, target, resolver, param, namer, returned)
        lines += built
        imports |= needed | {(model.module, dependency.id)}
        overrides.append((dependency.id, var))
    return lines, overrides


def _opens_clients(model: ModuleModel, func: ast.AST) -> bool:
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and node.id in model.imports:
            if model.imports[node.id][0].split(".", 1)[0] in IO_MODULES:
                return True
    return False


def _empty_of(annotation: ast.expr | None) -> str:
    """A serialisable stand-in for what a route returns: [] for lists, {} for dicts."""
    text = ast.unparse(annotation) if annotation is not None else ""
    if text.startswith(("list", "List", "Sequence", "tuple")):
        return "[]"
    if text.startswith(("dict", "Dict", "Mapping")):
        return "{}"
    return "None"


def in_request_context(cases: list[TestCase], targets: list[Target], facts: ProjectOffers) -> list[TestCase]:
    """Flask views called directly run inside `test_request_context()` (and past `login_required`)."""
    if facts.flask_app is None:
        return cases
    app = facts.flask_app[1] + ("()" if facts.flask_is_factory else "")
    wrapped = []
    for case in cases:
        target = next((t for t in targets if t.qualname == case.target), None)
        if target is None or target.route is None:
            wrapped.append(case)
            continue
        managers = [f"{app}.test_request_context()"]
        imports = {facts.flask_app}
        if _login_required(target):
            managers.append(f'patch.dict({app}.config, {{"LOGIN_DISABLED": True}})')
            imports.add(("unittest.mock", "patch"))
        act = (f"with {', '.join(managers)}:", *("    " + line for line in case.act))
        wrapped.append(replace(case, act=act, imports=case.imports | imports))
    return wrapped


def _login_required(target: Target) -> bool:
    return any(ast.unparse(d).rsplit(".", 1)[-1] == "login_required" for d in target.node.decorator_list)


def _route_view(target: Target) -> dict[str, object]:
    route = target.route
    assert route is not None
    path = route.path
    for segment in [s for s in path.split("/") if s.startswith("{") and s.endswith("}")]:
        path = path.replace(segment, "1")
    protected = any(
        isinstance(d, ast.Call) and (ast.unparse(d.func).endswith("Depends") or ast.unparse(d.func).endswith("Security"))
        and d.args and any(k in ast.unparse(d.args[0]) for k in ("current_user", "require_", "auth"))
        for d in target.node.args.defaults + [d for d in target.node.args.kw_defaults if d is not None]
    )
    return {"name": target.name, "method": route.method.lower(), "path": path, "protected": protected,
            "body": route.method in ("POST", "PUT", "PATCH")}
