"""benchmarks/scaffold_corpus/measure.py's mutant judge: the mutants of each function, which
function a generated test targets, and the mutant schemata that switch one mutant on at a time."""

from __future__ import annotations

import ast
import builtins
import importlib.util
import sys
from contextlib import contextmanager
from pathlib import Path

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "scaffold_corpus" / "measure.py"
_spec = importlib.util.spec_from_file_location("gapfinder_benchmarks_scaffold_measure", _PATH)
measure = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = measure  # its dataclasses look their module up
_spec.loader.exec_module(measure)  # type: ignore[union-attr]

SOURCE = '''
class Orders:
    def __init__(self, repo):
        self.repo = repo

    async def place(self, amount):
        """Place an order."""
        if amount <= 0:
            raise ValueError("amount")
        await self.repo.save(amount)
        return amount * 2


def total(prices):
    return sum(prices)
'''


@contextmanager
def switched(mutant: str | None):
    """The judge plugin's switch: the mutant whose branch the schemata take."""
    builtins._judge_mutant = mutant  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del builtins._judge_mutant  # type: ignore[attr-defined]


def test_each_executed_function_gets_every_operator_with_the_lines_it_changes() -> None:
    _, found = measure.schemata(SOURCE, set(range(1, 20)))
    assert [(label.split(" (")[0], sorted(lines)) for _, label, lines in found["Orders.place"]] == [
        ("flip comparison", [8]), ("return None", [11]), ("drop awaited call", [10]), ("skip raise", [9])]
    assert [label for _, label, _ in found["Orders.__init__"]] == ["drop statement (line 4)"]
    assert [label for _, label, _ in found["total"]] == ["return None"]
    assert measure.schemata(SOURCE, {15})[1].keys() == {"total"}  # only functions whose body ran


def test_a_test_is_judged_by_mutants_on_the_lines_it_ran_the_issue_operators_first() -> None:
    _, found = measure.schemata(SOURCE, set(range(1, 20)))
    place = found["Orders.place"]
    kinds = {label.split(" (")[0]: ident for ident, label, _ in place}
    assert measure.plan_for(place, {8, 9}, 4) == [kinds["flip comparison"], kinds["skip raise"]]
    assert measure.plan_for(place, None, 2) == [kinds["flip comparison"], kinds["return None"]]
    assert measure.plan_for(place, {3}, 4) == []  # it never ran the method: nothing it could kill
    init = found["Orders.__init__"]
    assert measure.plan_for(init, {4}, 4) == [init[0][0]]  # no issue operator reaches it: drop a statement


def test_lines_by_test_reads_coverages_test_function_contexts() -> None:
    contexts = {"3": ["", "tests.unit.test_o.test_a"], "4": ["tests.unit.test_o.TestO.test_b", "tests.unit.test_o.test_a"]}
    assert measure.lines_by_test(contexts) == {"test_a": {3, 4}, "test_b": {4}}


def test_the_schemata_run_the_original_unless_a_mutant_is_switched_on() -> None:
    text, found = measure.schemata(SOURCE, set(range(1, 20)))
    assert ast.get_docstring(next(n for n in ast.walk(ast.parse(text)) if getattr(n, "name", "") == "place"))
    namespace: dict = {}
    exec(compile(text, "orders", "exec"), namespace)
    with switched(None):
        assert namespace["total"]([1, 2]) == 3 and namespace["Orders"]("repo").repo == "repo"
    with switched(found["total"][0][0]):
        assert namespace["total"]([1, 2]) is None
    with switched(found["Orders.__init__"][0][0]):
        assert not hasattr(namespace["Orders"]("repo"), "repo")


def test_a_test_targets_the_function_its_name_names() -> None:
    names = ["Orders.__init__", "Orders.place", "Orders.place_all", "total"]
    assert measure.test_target("tests/unit/test_orders.py::test_orders_place", names) == "Orders.place"
    assert measure.test_target("t.py::test_orders_place_when_amount_is_0", names) == "Orders.place"
    assert measure.test_target("t.py::test_orders_place_all", names) == "Orders.place_all"
    assert measure.test_target("t.py::test_orders___init__", names) == "Orders.__init__"
    assert measure.test_target("t.py::test_something_else", names) is None
    managers = ["BaseUserManager.update", "BaseUserManager._update"]
    assert measure.test_target("t.py::test_base_user_manager_update", managers) == "BaseUserManager.update"
    assert measure.test_target("t.py::test_base_user_manager__update", managers) == "BaseUserManager._update"
