"""Integration tests: the module's functions against a real, local SQLite database (aiosqlite).

Only functions whose inputs are all cheap to make for real are drafted: a session or session
factory (from the conftest's `db_session`/`db_engine` fixtures), plain values, and the project's
own model instances built from their required columns. Anything that would need a double or reach
the network is left to the unit tests.
"""

from __future__ import annotations

import ast

from gapfinder.scaffold.exprs import Resolver
from gapfinder.scaffold.plans import Planner, TestCase
from gapfinder.scaffold.source_facts import unwrap_mapped
from gapfinder.core.usage.module import ModuleModel
from gapfinder.scaffold.target import Target
from gapfinder.scaffold.values import annotation_class, scalar_literal, snake

SESSION_TYPES = ("AsyncSession", "Session")
FACTORY_TYPES = ("async_sessionmaker", "sessionmaker")


def plan_integration(
    model: ModuleModel, targets: list[Target], resolver: Resolver, read_module, database: str | None,
) -> list[TestCase]:
    """database: "async" (the conftest's aiosqlite `db_session`), "sync" (a SQLModel project's
    sqlite `db_session`) or None (no tables to build a database from)."""
    if database is None:
        return []
    cases = []
    for target in targets:
        if target.kind != "function" or target.route is not None:
            continue
        case = _case(model, target, resolver, read_module, database)
        if case is not None:
            cases.append(case)
    return cases


def _case(model: ModuleModel, target: Target, resolver: Resolver, read_module, database: str) -> TestCase | None:
    planner = Planner(model, target, resolver)
    if planner.patched:
        return None  # it reaches something that is not local
    lines: list[str] = []
    imports: set[tuple[str, str | None]] = {(model.module, target.name)}
    args: list[str] = []
    fixtures: set[str] = set()
    uses_database = False
    for arg in planner.given_params():
        annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
        tree = planner.usage[arg.arg]
        if (annotation.rsplit(".", 1)[-1] == "AsyncSession") != (database == "async") and any(
                annotation.endswith(t) for t in SESSION_TYPES):
            return None  # the test database's session is of the other kind
        if any(annotation.split("[", 1)[0].endswith(t) for t in FACTORY_TYPES):
            if database != "async":
                return None
            imports.add(("sqlalchemy.ext.asyncio", "async_sessionmaker"))
            lines.append(f"{arg.arg} = async_sessionmaker(db_engine, expire_on_commit=False)")
            fixtures.add("db_engine")
            uses_database = True
        elif any(annotation.endswith(t) for t in SESSION_TYPES):
            lines.append(f"{arg.arg} = db_session")
            fixtures.add("db_session")
            uses_database = True
        elif not planner.is_double(arg):
            literal = planner.matching_string(tree) or scalar_literal(arg.annotation, arg.arg, tree)
            if literal is None:
                return None
            lines.append(f"{arg.arg} = {literal[0]}")
            imports.update(literal[1])
        else:
            built = _model_instance(model, arg.annotation, resolver, read_module)
            if built is None:
                return None
            lines.append(f"{arg.arg} = {built}")
            imports |= resolver.imports_of(built)
        args.append(f"{arg.arg}={arg.arg}")
    if not uses_database:
        return None
    call = f"{target.name}({', '.join(args)})"
    return TestCase(
        name=f"test_{snake(target.name)}_on_database", is_async=target.is_async, arrange=tuple(lines),
        patches=(), act=(f"result = {'await ' if target.is_async else ''}{call}",), raises=None, asserts=(),
        todos=("assert what the database holds now (query it through db_session) and the result",),
        imports=frozenset(imports), fixtures=tuple(sorted(fixtures)),
    )


def _model_instance(model: ModuleModel, annotation: ast.expr | None, resolver: Resolver, read_module) -> str | None:
    """`Order(user_id=10, amount_cents=10)`: a project model with its required columns filled."""
    name = annotation_class(annotation)
    if name is None:
        return None
    origin = model.import_for(name.split(".", 1)[0])
    if origin is None or origin[1] is None:
        return None
    source = read_module(origin[0])
    cls = next((s for s in source.body if isinstance(s, ast.ClassDef) and s.name == origin[1]), None) if source else None
    if cls is None or not any(isinstance(s, ast.Assign) and "__tablename__" in ast.unparse(s) for s in cls.body):
        return None
    fields = []
    for stmt in cls.body:
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
            continue
        if stmt.value is not None and not _required_column(stmt.value):
            continue
        literal = scalar_literal(unwrap_mapped(stmt.annotation), stmt.target.id)
        text = ast.unparse(stmt.annotation)
        if literal is None or "None" in text or literal[1]:
            continue
        fields.append(f"{stmt.target.id}={literal[0]}")
    expr = resolver.expression(name)
    return f"{expr}({', '.join(fields)})" if expr else None


def _required_column(value: ast.expr) -> bool:
    """mapped_column(...) without a default, a server default, a primary key or nullable=True."""
    if not (isinstance(value, ast.Call) and ast.unparse(value.func).endswith("mapped_column")):
        return False
    optional = {"default", "server_default", "primary_key", "nullable", "default_factory", "insert_default"}
    return not any(kw.arg in optional for kw in value.keywords)
