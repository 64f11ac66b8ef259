"""rank under the project's own coverage configuration: the figures `coverage json` gives, for every
input format, from a real coverage run of a project that omits files, measures only its `source`,
and adds exclusion regexes of its own."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from coverage_runs import REPORTS, run_python

from gapfinder import api

PYPROJECT = """\
[project]
name = "shop"

[tool.coverage.run]
source = ["shop"]
omit = ["shop/generated.py"]

[tool.coverage.report]
exclude_also = ["raise NotImplementedError", "if DEBUG:"]
"""

FILES = {
    "shop/__init__.py": "",
    "shop/cart.py": '''\
        DEBUG = False


        class Cart:
            def __init__(self):
                self.items = []

            def add(self, item, qty=1):
                if qty <= 0:
                    raise ValueError("qty")
                if DEBUG:
                    print("adding", item)
                    print("twice")
                self.items.append((item, qty))

            def total(self, prices):
                return sum(prices[i] * q for i, q in self.items)

            def export(self):
                raise NotImplementedError
        ''',
    "shop/generated.py": "TABLE = [1, 2, 3]\n\n\ndef lookup(i):\n    return TABLE[i]\n",
    "scripts/release.py": "def main():\n    return 0\n",
    "tests/test_cart.py": '''\
        from shop.cart import Cart


        def test_add_and_total():
            cart = Cart()
            cart.add("a", 2)
            assert cart.total({"a": 3}) == 6
        ''',
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("covconfig") / "shop"
    for rel, text in {"pyproject.toml": PYPROJECT, **FILES}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    run_python(root, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider")
    run_python(root, "-c", REPORTS)
    return root


def _reference(root: Path) -> dict[str, tuple[int, int]]:
    """What coverage.py itself reports: statements and missed lines per file."""
    data = json.loads((root / "coverage.json").read_text())
    return {path: (f["summary"]["num_statements"], f["summary"]["missing_lines"])
            for path, f in data["files"].items() if f["summary"]["num_statements"]}  # rank skips empty files


@pytest.mark.parametrize("name", [".coverage", "coverage.json", "coverage.xml", "lcov.info"])
def test_every_format_gives_coverage_py_s_figures(shop: Path, name: str) -> None:
    result = api.rank(shop, coverage=shop / name, use_cache=False, overrides={"top": 0, "git": False})
    ours = {row.path: (row.statements, row.missed) for row in result.rows}
    assert ours == _reference(shop)


def test_files_the_configuration_leaves_out_are_not_ranked(shop: Path) -> None:
    result = api.rank(shop, coverage=shop / ".coverage", use_cache=False, overrides={"top": 0, "git": False})
    ranked = {row.path for row in result.rows}
    assert "shop/generated.py" not in ranked and "scripts/release.py" not in ranked
    assert any("left out 2 file(s) the coverage configuration" in w and "--include-omitted" in w
               for w in result.summary.warnings)
    everything = api.rank(shop, coverage=shop / ".coverage", use_cache=False, include_omitted=True,
                          overrides={"top": 0, "git": False})
    assert {"shop/generated.py", "scripts/release.py"} <= {row.path for row in everything.rows}


def test_the_projects_exclusions_apply_to_raw_data(shop: Path) -> None:
    """`if DEBUG:` and `raise NotImplementedError` are the project's own regexes, not coverage's defaults."""
    result = api.rank(shop, coverage=shop / ".coverage", use_cache=False, overrides={"top": 0, "git": False})
    cart = next(row for row in result.rows if row.path == "shop/cart.py")
    assert (cart.statements, cart.missed) == _reference(shop)["shop/cart.py"]
    assert cart.missed == 1  # only `raise ValueError("qty")`: the DEBUG block and export's body are excluded


@pytest.mark.parametrize("name", [".coverage", "coverage.json", "coverage.xml", "lcov.info"])
def test_the_total_is_coverage_py_s_total(shop: Path, name: str) -> None:
    reference = json.loads((shop / "coverage.json").read_text())["totals"]["percent_covered"]
    # fail_under asks for the total of raw data too (coverage.py re-parses every file for it).
    result = api.rank(shop, coverage=shop / name, use_cache=False,
                      overrides={"top": 0, "git": False, "fail_under": 0})
    assert result.summary.coverage_total == pytest.approx(reference, abs=0.005)


def test_the_gate_reads_coverage_py_s_total(shop: Path) -> None:
    reference = json.loads((shop / "coverage.json").read_text())["totals"]["percent_covered"]
    passing = api.rank(shop, coverage=shop / ".coverage", use_cache=False,
                       overrides={"git": False, "fail_under": reference - 1})
    failing = api.rank(shop, coverage=shop / ".coverage", use_cache=False,
                       overrides={"git": False, "fail_under": reference + 1})
    assert passing.gate_failures == ()
    assert failing.gate_failures and "coverage.py's total" in failing.gate_failures[0]
