"""scaffold's run-and-adapt loop on a tiny project: drafts are run in a subprocess, observed values
become assertions, the code's own raises become pytest.raises, what cannot pass becomes an xfail
with its reason, mutants check the kept tests, and the user's code is never edited."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from gapfinder.config import load_config
from gapfinder.core.project import discover
from gapfinder.core.source import parse
from gapfinder.reports.scaffold import scaffold_json
from gapfinder.scaffold.pipeline import resolve_module
from gapfinder.scaffold.writer import plan_files

from gapfinder.scaffold.adapt import Adjustment, first_run, observed_asserts
from gapfinder.scaffold.pipeline import scaffold
from gapfinder.scaffold.plans import TestCase as Case
from gapfinder.scaffold.pytest_config import configure_ini
from scaffold_runner import run_pytest

pytest.importorskip("pytest_asyncio")

ORDERS = '''import os
import socket


class OrderError(Exception):
    pass


class Orders:
    def __init__(self, repo):
        self.repo = repo

    async def place(self, user_id: int, amount: int) -> dict:
        if amount <= 0:
            raise OrderError("amount must be positive")
        existing = await self.repo.find_open(user_id)
        if existing:
            raise OrderError("an order is open")
        await self.repo.save(user_id, amount)
        return {"user": user_id, "amount": amount}


def total(prices: list[int], discount: int = 0) -> int:
    if discount > 100:
        raise ValueError("discount over 100")
    return sum(prices) * (100 - discount) // 100


def home() -> str:
    return os.environ["SHOP_HOME_THAT_IS_NEVER_SET"]


def ping() -> bool:
    socket.create_connection(("example.com", 80), timeout=1).close()
    return True
'''


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    root = tmp_path_factory.mktemp("shop")
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n')
    (root / "shop").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "orders.py").write_text(ORDERS)
    result = scaffold("shop/orders.py", project_root=root, run=True, python=sys.executable)
    return root, result, (root / "tests" / "unit" / "test_orders.py").read_text()


def test_observed_values_become_assertions_marked_for_review(ran) -> None:
    _, _, text = ran
    assert "assert result == 0  # observed on first run: check this is what you want" in text


def test_the_codes_own_raise_becomes_pytest_raises_with_its_message(ran) -> None:
    _, _, text = ran
    assert "with pytest.raises(OrderError, match='an order is open'):  # observed on first run" in text
    assert "from shop.orders import" in text and "OrderError" in text


def test_what_cannot_pass_is_left_out_and_listed_with_its_reason(ran) -> None:
    _, result, text = ran
    assert "def test_home(" not in text and "def test_ping(" not in text and "xfail" not in text
    assert "\n# gapfinder scaffold left out, needs a person: test_home (needs a person: the code raised KeyError" in text
    reasons = dict(result.run.needs_person)
    assert "KeyError" in reasons["test_home"]
    assert "network access is cut off" in reasons["test_ping"]  # the probe cut the network off
    assert result.run.dropped == ("test_home", "test_ping")
    listed = json.loads(scaffold_json((result,)))["results"][0]["run"]
    assert listed["dropped"] == ["test_home", "test_ping"]
    assert {item["test"]: item["written"] for item in listed["needs_person"]} == {"test_home": "dropped",
                                                                                  "test_ping": "dropped"}


def test_with_keep_xfail_they_are_written_as_xfail_with_the_reason(ran, tmp_path) -> None:
    root = tmp_path / "shop"
    shutil.copytree(ran[0], root)
    written = root / "tests" / "unit" / "test_orders.py"
    written.write_text("".join(line for line in written.read_text().splitlines(keepends=True)
                               if not line.startswith("# gapfinder scaffold left out")))
    project = discover(root, load_config(root))
    source = resolve_module("shop/orders.py", project)
    adjust = {"test_home": Adjustment(xfail="needs a person: the code raised KeyError: 'HOME'")}
    kept = plan_files(project, source, parse(ORDERS), ("unit",), "tests", None, False, adjust)
    dropped = plan_files(project, source, parse(ORDERS), ("unit",), "tests", None, False, adjust, drop_xfail=True)
    text = next(f.new for f in kept.files if f.path.endswith("test_orders.py"))
    assert "@pytest.mark.xfail(strict=False, reason=\"needs a person: the code raised KeyError: 'HOME'\")\n" \
           "def test_home() -> None:" in text
    assert dropped.dropped == ("test_home",) and kept.dropped == ()


def test_the_final_drafts_pass_and_the_source_is_untouched(ran) -> None:
    root, result, _ = ran
    assert (root / "shop" / "orders.py").read_text() == ORDERS
    run = run_pytest(root, "-p", "no:randomly", "tests")
    assert run.returncode == 0, run.output
    assert result.run.passed == result.run.tests - len(result.run.needs_person) >= 2


def test_kept_tests_were_checked_against_mutants(ran) -> None:
    _, result, _ = ran
    assert result.run.mutant_checked >= 2
    assert result.run.cannot_fail == ()


def test_a_second_run_changes_nothing(ran) -> None:
    root, _, _ = ran
    before = {p: p.read_bytes() for p in (root / "tests").rglob("*.py")}
    again = scaffold("shop/orders.py", project_root=root, run=True, python=sys.executable)
    assert again.files == () and again.run is None  # the left-out tests are named in the file: not drafted again
    assert before == {p: p.read_bytes() for p in (root / "tests").rglob("*.py")}


def _case(**changes) -> Case:
    base = dict(name="test_f", is_async=False, arrange=(), patches=(), act=("result = f()",), raises=None,
                asserts=(), todos=(), imports=frozenset(), target="f")
    return Case(**{**base, **changes})


def test_a_raise_from_elsewhere_is_not_asserted_but_explained() -> None:
    seen = {"outcome": "failed", "phase": "call", "exc_type": "builtins.TypeError", "exc_module": "builtins",
            "exc_qualname": "TypeError", "message": "bad operand", "in_target": "code"}
    adjustment = first_run(_case(), seen)
    assert adjustment.raises is None and "TypeError: bad operand" in adjustment.xfail


def test_an_expected_raise_that_did_not_happen_is_dropped() -> None:
    seen = {"outcome": "failed", "phase": "call", "message": "DID NOT RAISE <class 'ValueError'>"}
    assert first_run(_case(raises="ValueError"), seen) == Adjustment(no_raise=True)


def test_awaited_calls_become_assert_awaited_once_with() -> None:
    seen = {"outcome": "passed", "result": {"literal": None, "local": "row"},
            "awaited": [{"expr": "repo.save", "count": 1, "args": ["user_id", "5"], "kwargs": {"flush": "True"}},
                        {"expr": "repo.log", "count": 2, "args": None, "kwargs": None}]}
    lines, _ = observed_asserts(_case(), seen)
    assert lines[0].startswith("assert result is row  # observed")
    assert lines[1].startswith("repo.save.assert_awaited_once_with(user_id, 5, flush=True)")
    assert lines[2].startswith("assert repo.log.await_count == 2")


def test_configure_ini_adds_to_the_section_pytest_reads() -> None:
    text = "[pytest]\naddopts = --strict-markers\nfilterwarnings =\n    error\n\n[other]\nx = 1\n"
    edited = configure_ini(text, "pytest")
    assert edited.startswith("[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = --strict-markers\n")
    assert "filterwarnings =\n    error\n    error::RuntimeWarning\n    error::pytest.PytestUnraisableExceptionWarning\n" \
        in edited
    assert edited.endswith("[other]\nx = 1\n")
    assert configure_ini(edited, "pytest") == edited
