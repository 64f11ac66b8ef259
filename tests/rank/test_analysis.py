"""Source analysis on small sources written here: imports, definitions, complexity, calls,
risk markers, statement lines checked against real coverage.py, decoding and bad input."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gapfinder.rank import runner
from gapfinder.rank.analysis import analyse_source
from gapfinder.rank.runner import analyse
from gapfinder.model import ImportRef, ModuleInfo, Project, SkippedFile, SourceFile


def info(source: str, module: str = "app.mod", path: str = "app/mod.py") -> ModuleInfo:
    result = analyse_source(textwrap.dedent(source).encode(), path, module)
    assert isinstance(result, ModuleInfo), result
    return result


def function(module: ModuleInfo, qualname: str):
    return next(f for f in module.functions if f.qualname == qualname)


def kinds(module: ModuleInfo) -> set[tuple[str, str]]:
    return {(m.category, m.kind) for m in module.markers}


# --- imports ---------------------------------------------------------------------------------

def test_imports_of_every_kind() -> None:
    mod = info(
        """\
        from __future__ import annotations
        import os.path
        import numpy as np
        from typing import TYPE_CHECKING
        from app.core import db, models
        if TYPE_CHECKING:
            from app.users import User
        def f():
            import json
            from . import sibling
        """,
        module="app.api.mod", path="app/api/mod.py",
    )
    assert mod.imports == (
        ImportRef("os.path", 2),
        ImportRef("numpy", 3),
        ImportRef("typing", 4, ("TYPE_CHECKING",)),
        ImportRef("app.core", 5, ("db", "models")),
        ImportRef("app.users", 7, ("User",), type_checking=True),
        ImportRef("json", 9, local=True),
        ImportRef("app.api", 10, ("sibling",), local=True),
    )


@pytest.mark.parametrize(
    ("module", "path", "source", "target"),
    [
        ("app.api.users", "app/api/users.py", "from .deps import x", "app.api.deps"),
        ("app.api.users", "app/api/users.py", "from ..core import db", "app.core"),
        ("app.api", "app/api/__init__.py", "from .users import x", "app.api.users"),
        ("app.api", "app/api/__init__.py", "from . import users", "app.api"),
        ("app.api", "app/api/__init__.py", "from .. import core", "app"),
        ("app", "app/__init__.py", "from .api.users import x", "app.api.users"),
    ],
)
def test_relative_imports_resolve_against_the_package(module, path, source, target) -> None:
    assert info(source, module, path).imports[0].target == target


# --- definitions, complexity, calls ----------------------------------------------------------

def test_definitions_spans_and_decorators() -> None:
    mod = info(
        """\
        import functools

        class Base: pass

        class Service(Base, metaclass=type):
            @functools.cache
            def get(self):
                def inner():
                    return 1
                return inner()

            async def fetch(self):
                return 2
        """
    )
    assert [(c.name, c.line, c.end_line, c.bases) for c in mod.classes] == [
        ("Base", 3, 3, ()), ("Service", 5, 13, ("Base",))]
    get, inner, fetch = function(mod, "Service.get"), function(mod, "Service.get.inner"), function(mod, "Service.fetch")
    assert (get.line, get.end_line, get.decorators, get.is_method, get.is_async) == (7, 10, ("functools.cache",), True, False)
    assert (inner.line, inner.is_method) == (8, False)
    assert (fetch.is_async, fetch.is_method) == (True, True)
    assert [f.qualname for f in mod.functions] == ["Service.get", "Service.get.inner", "Service.fetch"]


def test_complexity_counts_each_decision_point() -> None:
    mod = info(
        """\
        def straight(x):
            return x

        def busy(x, items):
            if x and items or not x:        # if +1, two boolean operators +2
                pass
            elif x > 3:                     # elif +1
                pass
            for i in items:                 # +1
                while i:                    # +1
                    i -= 1
            try:
                pass
            except ValueError:              # +1
                pass
            except Exception:               # +1
                pass
            y = 1 if x else 2               # +1
            z = [i for i in items if i if i > 2]   # two comprehension ifs +2
            assert x                        # +1
            match x:
                case 1: pass                # +1
                case _: pass                # +1
            with open("f") as handle:       # with: no decision
                pass
            def nested(a):                  # counted on its own
                return a or 1
            return lambda: x and y          # +1
        """
    )
    assert function(mod, "straight").complexity == 1
    assert function(mod, "busy").complexity == 1 + 3 + 1 + 1 + 1 + 2 + 1 + 2 + 1 + 2 + 1
    assert function(mod, "busy.nested").complexity == 2


def test_calls_resolve_through_imports_and_local_definitions() -> None:
    mod = info(
        """\
        import httpx
        import app.db.session
        from app.services import users as svc

        def helper():
            pass

        class Repo:
            def save(self):
                self.check()
                self.db.commit()
                helper()
                svc.create(1)
                httpx.get("u")
                app.db.session.open()
                len([])
                unknown_name()
                import json
                json.dumps({})
                def local():
                    pass
                local()
                later()

        def later():
            pass
        """,
        module="app.repo", path="app/repo.py",
    )
    assert function(mod, "Repo.save").calls == (
        "app.repo.Repo.check", "app.repo.helper", "app.services.users.create", "httpx.get",
        "app.db.session.open", "json.dumps", "app.repo.Repo.save.local", "app.repo.later",
    )


# --- risk markers ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("from sqlalchemy.ext.asyncio import AsyncSession", ("io", "database")),
        ("async def f(session):\n    await session.execute(q)", ("io", "database")),
        ("def f():\n    return User.objects.filter(a=1)", ("io", "database")),
        ("import httpx", ("io", "http")),
        ("import requests\ndef f():\n    requests.get('u')", ("io", "http")),
        ("def f(self):\n    self.redis.get('k')", ("io", "redis")),
        ("async def f(ws):\n    await ws.send_json({})", ("io", "websocket")),
        ("def f(p):\n    return open(p).read()", ("io", "file")),
        ("def f(p):\n    return p.read_text()", ("io", "file")),
        ("import subprocess", ("io", "subprocess")),
        ("async def f():\n    pass", ("concurrency", "async")),
        ("import asyncio\nasync def f():\n    await asyncio.gather(a(), b())", ("concurrency", "task")),
        ("from concurrent.futures import ThreadPoolExecutor", ("concurrency", "thread")),
        ("import asyncio\nLOCK = asyncio.Lock()", ("concurrency", "lock")),
        ("import jwt", ("auth", "token")),
        ("def check(password):\n    return password", ("auth", "password")),
        ("def f(user):\n    return user.is_admin", ("auth", "permission")),
        ("import hashlib", ("auth", "crypto")),
        ("try:\n    pass\nexcept ValueError:\n    pass", ("errors", "except")),
        ("try:\n    pass\nexcept:\n    pass", ("errors", "bare-except")),
        ("def f():\n    raise ValueError('x')", ("errors", "raise")),
        ("@router.get('/items')\nasync def items():\n    pass", ("web", "route")),
        ("@app.route('/')\ndef index():\n    pass", ("web", "route")),
        ("from rest_framework.views import APIView\nclass V(APIView):\n    pass", ("web", "route")),
    ],
)
def test_each_marker_kind(source: str, kind: tuple[str, str]) -> None:
    assert kind in kinds(info(source))


def test_plain_code_has_no_markers() -> None:
    mod = info(
        """\
        import math

        def area(radius: float) -> float:
            values = {"r": radius}
            return math.pi * values.get("r") ** 2

        class Event:
            def get(self, key):
                return key
        """
    )
    assert mod.markers == ()


def test_one_marker_per_kind_with_first_line_and_count() -> None:
    mod = info(
        """\
        async def load(session, query):
            await session.execute(query)
            await session.commit()
        """
    )
    database = [m for m in mod.markers if m.kind == "database"]
    assert len(database) == 1
    assert (database[0].line, database[0].evidence, database[0].count) == (2, "await session.execute(...)", 2)


# --- statements, compared with coverage.py ---------------------------------------------------

TRICKY = '''\
"""Module docstring."""
import os
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import sys

@staticmethod
@property
def decorated(a,
              b=1):
    """Docstring."""
    x = (a +
         b)
    global counter
    annotated: int
    try:
        y = 1
    except ValueError:
        y = 2
    else:
        y = 3
    finally:
        y = 4
    match x:
        case 1:
            pass
        case _:
            pass
    return [i for i in
            range(y)]

class C:
    """Doc."""
    field: int = 1
    def stub(self): ...
    def skipped(self):  # pragma: no cover
        return 1
    def long_stub(
        self, a,
    ) -> int: ...

def later():
    ...

if os.sep == "/":
    value = 1
else:  # pragma: no cover
    value = 2
'''


def test_statement_lines_match_coverage_py(tmp_path: Path) -> None:
    source = tmp_path / "tricky.py"
    source.write_text(TRICKY)
    data = tmp_path / ".coverage"
    subprocess.run([sys.executable, "-m", "coverage", "run", f"--data-file={data}", str(source)],
                   check=True, cwd=tmp_path, capture_output=True)
    import coverage

    cov = coverage.Coverage(data_file=str(data))
    cov.load()
    _, statements, _, _, _ = cov.analysis2(str(source))
    assert info(TRICKY).statements == tuple(statements)


def test_branch_lines() -> None:
    mod = info("if a:\n    pass\nwhile b:\n    pass\nx = 1\nfor i in c:\n    pass\ntry:\n    pass\nexcept E:\n    pass\n")
    assert mod.branch_lines == (1, 3, 6, 8)


# --- decoding and bad input ------------------------------------------------------------------

def test_bom_and_declared_latin1_decode() -> None:
    assert isinstance(analyse_source(b"\xef\xbb\xbfx = 1\n", "a.py", "a"), ModuleInfo)
    latin = "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1")
    assert analyse_source(latin, "a.py", "a").statements == (2,)


def test_latin1_without_declaration_is_skipped() -> None:
    result = analyse_source("name = 'caf\xe9'\n".encode("latin-1"), "a.py", "a")
    assert result == SkippedFile("a.py", "not valid UTF-8 text and declares no other encoding")


def test_pep701_fstring_parses_through_libcst_with_right_lines() -> None:
    source = 'names = ["a"]\nx = f"{", ".join(names)}"\ny = f"""{\n    names[0]\n}"""\ndef after():\n    return 1\n'
    result = analyse_source(source.encode(), "a.py", "a")
    assert isinstance(result, ModuleInfo)
    assert result.statements == (1, 2, 3, 6, 7)
    assert function(result, "after").line == 6


def test_syntax_error_is_skipped_with_its_line() -> None:
    result = analyse_source(b"x = 1\n\ndef broken(:\n    pass\n", "a.py", "a")
    assert isinstance(result, SkippedFile)
    assert result.reason.startswith("syntax error at line 3")


# --- analyse() over a project ----------------------------------------------------------------

def make_project(root: Path, files: dict[str, str]) -> Project:
    sources = []
    for rel, text in sorted(files.items()):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        module = rel[:-3].replace("/", ".").removesuffix(".__init__")
        sources.append(SourceFile(rel, module, rel.endswith("__init__.py")))
    return Project(root, (".",), tuple(sources), ())


def test_large_and_broken_files_are_skipped_and_the_rest_analysed(tmp_path: Path) -> None:
    project = make_project(tmp_path, {
        "pkg/__init__.py": "", "pkg/ok.py": "x = 1\n", "pkg/big.py": "x = 1\n" * 100,
        "pkg/bad.py": "def (:\n",
    })
    result = analyse(project, max_file_bytes=200, jobs=1)
    assert [m.path for m in result.modules] == ["pkg/__init__.py", "pkg/ok.py"]
    assert {s.path: s.reason.split(" ")[0] for s in result.skipped} == {"pkg/bad.py": "syntax", "pkg/big.py": "larger"}


def test_parallel_results_equal_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"pkg/m{i}.py": f"import pkg.m{(i + 1) % 12}\nasync def f{i}(s):\n    await s.execute({i})\n"
             for i in range(12)}
    files["pkg/bad.py"] = "def (:\n"
    project = make_project(tmp_path, files)
    serial = analyse(project, max_file_bytes=10_000, jobs=1)
    monkeypatch.setattr(runner, "PARALLEL_THRESHOLD", 2)
    progress: list[tuple[str, int, int]] = []
    parallel = analyse(project, max_file_bytes=10_000, jobs=2, on_progress=lambda *a: progress.append(a))
    assert parallel == serial
    assert len(serial.modules) == 12
    assert progress[0] == ("parse", 0, 13) and progress[-1] == ("parse", 13, 13)


def test_broken_fixture_project(fixtures_dir: Path) -> None:
    """The shared broken project: every bad file is skipped with its reason, the rest analysed."""
    from gapfinder.config import load_config
    from gapfinder.core.project import discover

    root = fixtures_dir / "broken"
    config = load_config(root)
    result = analyse(discover(root, config), max_file_bytes=config.max_file_bytes, jobs=1)
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons["brokenpkg/latin1.py"] == "not valid UTF-8 text and declares no other encoding"
    assert reasons["brokenpkg/syntax_error.py"].startswith("syntax error at line 4")
    assert reasons["brokenpkg/generated.py"].startswith("larger than")
    assert {"brokenpkg/bom.py", "brokenpkg/good.py", "brokenpkg/nsdata/loader.py"} <= {m.path for m in result.modules}


def test_classes_defined_in_functions_resolve_and_their_methods_do_not_leak() -> None:
    mod = info(
        """\
        def factory():
            class Local:
                def run(self):
                    return 1
            run()
            return Local()
        """,
        module="app.f", path="app/f.py",
    )
    assert function(mod, "factory").calls == ("app.f.factory.Local",)
    assert [c.name for c in mod.classes] == ["factory.Local"]
