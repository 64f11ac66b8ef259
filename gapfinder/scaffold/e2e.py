"""What the e2e tier needs to know about a FastAPI app, from its source: each route's full path, whether
it needs credentials, the app's session dependencies (overridden with a throwaway SQLite database
whose tables come from the project's metadata) and its current-user dependency (overridden with a
stand-in user for the authenticated tests).

Each route gets a test without credentials that must get 401/403 (when it needs them), and a test
that asserts the status the decorator declares (200 by default); a run that shows another status
that is neither a server error nor a refusal turns it into that status, marked as observed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Callable

from gapfinder.model import Project
from gapfinder.scaffold.depends import DependencyReader, user_keys, user_value
from gapfinder.scaffold.render import OBSERVED
from gapfinder.scaffold.target import Target, _route
from gapfinder.scaffold.webapp import ProjectIndex, Ref, RouteMap

PATH_VALUES = {"int": "1", "UUID": "00000000-0000-0000-0000-000000000001", "float": "1.0"}
AUTHENTICATED = "_accepts_authenticated"


@dataclass(frozen=True)
class WebApp:
    """The app-wide facts every e2e file and the e2e conftest share."""

    index: ProjectIndex | None = None
    routes: RouteMap | None = None
    sessions: tuple[Ref, ...] = ()  # session dependencies of the app's routes
    async_sessions: bool = True
    metadata: Ref | None = None  # what holds the tables: (module, Base) or ("sqlmodel", "SQLModel")
    session_class: Ref = ("sqlalchemy.orm", "Session")
    models: tuple[str, ...] = ()  # modules that define tables (imported so the tables register)
    user: Ref | None = None  # the dependency an authenticated test overrides
    user_value: str | None = None
    user_imports: tuple[Ref, ...] = ()
    startup: tuple[Ref, ...] = ()  # dependencies that read app.state set at startup: doubled
    readers: dict = field(default_factory=dict)

    @property
    def database(self) -> bool:
        return bool(self.sessions and self.metadata)


def analyse(project: Project, read_module: Callable[[str], ast.Module | None], app: Ref | None,
            base: Ref | None, models: tuple[str, ...], user_model: Ref | None = None) -> WebApp:
    index = ProjectIndex.build(project, read_module)
    reader = DependencyReader(index)
    sessions: dict[Ref, bool] = {}
    startup: set[Ref] = set()
    users: dict[Ref, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for module, model in index.models.items():
        for func in model.functions.values():
            if _route(func) is None:
                continue
            chain = reader.route(module, func)
            sessions.update(chain.sessions)
            startup |= chain.startup
            if chain.user is not None and "." not in chain.user[0][1]:
                users.setdefault(chain.user[0], chain.user[1])
    metadata, session_class, tables = base, ("sqlalchemy.orm", "Session"), list(models)
    sqlmodel = sqlmodel_tables(index.models)
    if sqlmodel:
        metadata, session_class, tables = ("sqlmodel", "SQLModel"), ("sqlmodel", "Session"), sqlmodel
    user = value = None
    imports: tuple[Ref, ...] = ()
    if len(users) == 1:
        user, node = next(iter(users.items()))
        built = user_value(index, user[0], node, user_keys(index, user), user_model)
        if built is not None:
            value, imports = built[0], tuple(sorted(built[1]))
    return WebApp(index, RouteMap(index, app), tuple(sorted(sessions)), any(sessions.values()) or not sessions,
                  metadata, session_class, tuple(tables), user if value else None, value, imports,
                  tuple(sorted(startup)), {"reader": reader})


def sqlmodel_tables(models: dict) -> list[str]:
    """Modules with `class X(SQLModel, table=True)` models ({module: ModuleModel or its ast.Module})."""
    found = []
    for module, model in models.items():
        tree = getattr(model, "tree", model)
        if tree is not None and any(isinstance(cls, ast.ClassDef) and any(
                k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in cls.keywords) for cls in tree.body):
            found.append(module)
    return found


def route_views(web: WebApp, module: str, targets: list[Target]) -> list[dict[str, object]]:
    """One view per route whose full path is known: method, path, whether it needs credentials,
    whether the user can be stood in for, the status to expect, whether it takes a body."""
    views = []
    reader: DependencyReader = web.readers["reader"]
    for target in targets:
        route = target.route
        if route is None or route.method == "WEBSOCKET" or target.kind != "function" or web.routes is None:
            continue
        full = web.routes.path(module, target.node, route.path)  # type: ignore[arg-type]
        if full is None:
            continue
        chain = reader.route(module, target.node)  # type: ignore[arg-type]
        views.append({
            "name": target.name, "method": route.method.lower(), "template": full,
            "path": _fill(full, target.node), "protected": chain.takes_token,
            "stand_in": chain.takes_token and chain.user is not None and chain.user[0] == web.user,
            "status": route.status or 200, "body": route.method in ("POST", "PUT", "PATCH"),
        })
    return views


def _fill(path: str, func: ast.AST) -> str:
    """`/users/{user_id}` -> `/users/1`, by the endpoint's parameter annotations."""
    annotations = {a.arg: a.annotation for a in func.args.args + func.args.kwonlyargs}  # type: ignore[attr-defined]

    def value(match: re.Match) -> str:
        name = match.group(1).split(":", 1)[0]
        text = ast.unparse(annotations[name]) if annotations.get(name) is not None else "str"
        kind = text.rsplit(".", 1)[-1]
        return PATH_VALUES.get(kind, "scaffold")

    return re.sub(r"\{([^}]+)\}", value, path)


def observed_status(name: str, seen: dict) -> tuple[str | None, str | None]:
    """(the assertion of the status a failing e2e test saw, when that status is the route's own
    answer; else the reason it needs a person, when the status says it), or (None, None)."""
    if seen.get("outcome") != "failed" or seen.get("exc_type") != "builtins.AssertionError":
        return None, None
    literal = (seen.get("result") or {}).get("literal")
    if literal is None or not literal.isdigit():
        return None, None
    status = int(literal)
    if status >= 500:
        return None, f"needs a person: the route answered {status} (a server error)"
    if name.endswith(AUTHENTICATED) and status in (401, 403):
        return None, f"needs a person: the route refused the stand-in user ({status}); give current_user what it needs"
    return f"assert result == {status}  {OBSERVED}", None


def apply_status(code: str, name: str, line: str) -> str:
    """Put an observed status assertion in place of the drafted one in test `name`."""
    pattern = re.compile(rf"(async def {re.escape(name)}\(.*?\n    )assert result == \d+\n", re.DOTALL)
    return pattern.sub(lambda m: m.group(1) + line + "\n", code, count=1)
