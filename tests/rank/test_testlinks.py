"""Linking tests to the modules they exercise: import lines found by a scan, coverage contexts."""

from __future__ import annotations

from gapfinder.model import FileCoverage, ModuleInfo
from gapfinder.core.symbols import imported_names
from gapfinder.rank.testlinks import link_tests


def module(name):
    return ModuleInfo(name, name.replace(".", "/") + ".py", 1, (1,), (), (), (), (), ())


def test_import_forms():
    source = b"""import os, app.db as database
from app.services import (
    orders,
    users as u,  # trailing comment
)
from app.utils.text import slugify; import json
    from app.cache import Cache  # inside a function
from . import helpers
from app.models import *
x = "import not_a_module"
"""
    assert imported_names(source) == {
        "os", "app.db", "app.services", "app.services.orders", "app.services.users",
        "app.utils.text", "app.utils.text.slugify", "app.cache", "app.cache.Cache", "app.models",
    }


def test_imports_and_contexts_both_link_tests_to_modules():
    modules = [module(n) for n in ("app", "app.db", "app.services.orders", "app.utils.text")]
    imports = {
        "tests/test_db.py": {"app.db", "app.db.get_session", "pytest"},
        "tests/unit/test_text.py": {"app.utils", "app.utils.text.slugify"},
        "tests/test_misc.py": {"os"},
    }
    coverage = {
        "app/services/orders.py": FileCoverage(
            "app/services/orders.py", frozenset({1}),
            contexts=frozenset({"tests/test_misc.py::test_x|run", "unit.test_text.test_slug", ""}),
        )
    }
    links = link_tests(modules, imports, coverage)
    assert links["app.db"] == ("tests/test_db.py",)
    assert links["app.utils.text"] == ("tests/unit/test_text.py",)
    assert links["app.services.orders"] == ("tests/test_misc.py", "tests/unit/test_text.py")
    # `app.utils` is a namespace here: the deepest module the name reaches is the package app.
    assert links["app"] == ("tests/unit/test_text.py",)
