"""Static test counting and classification against the fixture suites in fixtures/suites/."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from gapfinder.errors import ConfigError
from gapfinder import api
from gapfinder.progress.measure import DEFAULT_KINDS, TOP_PRIORITIES, classify, measure, parse_target, pytest_items
from gapfinder.progress.count import TestItem, count_tests

SUITES = Path(__file__).resolve().parents[2] / "fixtures" / "suites"


@pytest.mark.parametrize("suite", ["shop", "custom"])
def test_static_count_equals_pytest_collection(suite: str) -> None:
    """Every test function pytest collects, with its number of items, and nothing else."""
    items, error, failed = pytest_items(SUITES / suite, sys.executable)
    assert failed == ()
    assert error is None
    counted = count_tests(SUITES / suite)
    static = {f"{i.path}::{i.name}": i.cases for i in counted.items}
    assert static == dict(items)
    assert all(i.static for i in counted.items)


def test_counts_of_the_shop_suite() -> None:
    """Pinned so a change in either pytest or the counter shows up as a number, not just a diff."""
    counted = count_tests(SUITES / "shop")
    assert (len(counted.items), sum(i.cases for i in counted.items)) == (36, 74)
    assert len(counted.files) == 7  # tests/base.py is no test file; the __test__ = False module is one


def test_inherited_methods_count_per_collecting_class() -> None:
    names = {i.name for i in count_tests(SUITES / "shop").items if i.path.endswith("test_cart.py")}
    assert {"TestCart::test_empty", "TestCart::test_add", "TestCartAgain::test_empty", "TestCartAgain::test_add"} <= names
    assert "CaseBase::test_inherited" in names  # an imported TestCase is collected where imported
    assert "CartCase::test_inherited" in names
    assert not any(n.startswith(("TestWithInit", "TestDisabled", "NotATest")) for n in names)


def test_custom_pytest_settings_are_honoured() -> None:
    counted = count_tests(SUITES / "custom")
    names = {i.name for i in counted.items}
    assert counted.settings.config_file == "pyproject.toml"
    assert "test_not_matching_python_functions" not in names
    assert {"RoutingSuite::should_redirect", "Anything::check_flagged", "CheckConcrete::check_built"} <= names
    assert "AbstractCheck::check_built" not in names
    assert "LegacyRoutes::test_legacy" in names and "LegacyRoutes::check_not_unittest" not in names
    assert not any("legacy/" in f or f.startswith("tests/") for f in counted.files)


def test_skip_skipif_and_xfail_are_counted_per_case() -> None:
    items = {i.name: i for i in count_tests(SUITES / "shop").items}
    assert (items["test_pairs"].cases, items["test_pairs"].skipped, items["test_pairs"].xfail) == (3, 1, 1)
    assert (items["test_skipped"].skipped, items["test_skipif"].skipif, items["test_xfail"].xfail) == (1, 1, 1)
    assert items["SkippedCase::test_a"].skipped == 1  # unittest.skip on the class
    assert items["TestFlags::test_one"].xfail == 4  # class pytestmark over 2 params x 2 fixture params
    custom = {i.name: i for i in count_tests(SUITES / "custom").items}
    assert (custom["check_skipif_param"].skipif, custom["check_skipif_param"].skipped) == (1, 0)
    assert (custom["check_empty"].cases, custom["check_empty"].skipped) == (1, 1)


def test_scaffolded_tests_carry_the_marker_or_a_todo() -> None:
    scaffolded = sorted(i.name for i in count_tests(SUITES / "shop").items if i.scaffolded)
    assert scaffolded == ["test_charge", "test_checkout_coupon", "test_checkout_guest", "test_refund"]


def test_classification_by_marker_folder_and_default() -> None:
    result = measure(SUITES / "shop")
    kinds = {k.kind: (k.tests, k.finished, k.scaffolded) for k in result.kinds}
    assert kinds == {"unit": (26, 26, 0), "integration": (5, 3, 2), "e2e": (5, 3, 2)}
    assert result.total("by_default") == 0


def test_configured_kinds_and_targets() -> None:
    result = measure(SUITES / "custom")
    kinds = {k.kind: k for k in result.kinds}
    assert (kinds["e2e"].tests, kinds["e2e"].target, kinds["e2e"].scaffolded) == (3, 4, 1)
    assert kinds["contract"].tests == 2  # the pact folder; the marker alone would also do
    assert kinds["unit"].by_default == kinds["unit"].tests == 14  # checks/ names no kind
    assert result.target == 20


def _item(path: str, markers: tuple[str, ...] = ()) -> TestItem:
    return TestItem(path, "test_x", 1, 1, 0, 0, 0, markers, False, True)


@pytest.mark.parametrize(
    ("path", "markers", "kind"),
    [
        ("tests/unit/test_a.py", ("e2e",), "e2e"),  # a marker beats the folder
        ("tests/e2e/unit/test_a.py", (), "unit"),  # the nearest folder wins
        ("tests/functional/test_a.py", (), "integration"),
        ("tests/test_checkout_e2e.py", (), "e2e"),  # a word of the file name
        ("tests/test_a.py", ("integration", "e2e"), "e2e"),  # the heavier kind
        ("tests/test_a.py", ("slow",), None),  # nothing matched: the caller applies the default
    ],
)
def test_classify_rules(path: str, markers: tuple[str, ...], kind: str | None) -> None:
    assert classify(_item(path, markers), DEFAULT_KINDS) == kind


@pytest.mark.parametrize("text", ["0", "-3", "ten", "2.5"])
def test_target_must_be_a_positive_whole_number(text: str) -> None:
    with pytest.raises(ConfigError, match="--target must be a whole number greater than 0"):
        parse_target(text)


def test_unparsable_and_dynamic_files_are_reported_and_the_run_goes_on() -> None:
    result = measure(SUITES / "broken")
    assert [s.path for s in result.unparsable] == ["tests/test_bad_syntax.py"]
    assert "line 1" in result.unparsable[0].reason
    assert result.total("tests") == 2
    assert result.not_static == 1  # test_dynamic's list comes from a function call


def test_coverage_join_reports_totals_and_tested_priorities(tmp_path: Path) -> None:
    """asyncsvc with its lcov report: totals and priorities come from a real `rank` run through api."""
    root = Path(shutil.copytree(SUITES.parent / "asyncsvc", tmp_path / "asyncsvc"))
    lcov = (SUITES.parent / "coverage-files" / "lcov.info").read_text()
    (root / "lcov.info").write_text(lcov)
    hits = [line.split(":")[1].split(",") for block in lcov.split("end_of_record")
            if "SF:app/" in block for line in block.splitlines() if line.startswith("DA:")]
    expected_line = 100.0 * sum(1 for _, n, *_ in hits if int(n) > 0) / len(hits)
    join = api.progress(root).coverage
    ranked = api.rank(root, overrides={"top": TOP_PRIORITIES})
    assert join is not None and join.source.endswith("lcov.info")
    assert join.line_coverage == pytest.approx(expected_line, abs=0.05)
    assert join.branch_coverage is not None and 0 < join.branch_coverage < 100
    assert join.priorities == len(ranked.rows) > 0
    assert join.untested == tuple(r.name for r in ranked.rows if not r.tests)
    assert join.priorities_tested == join.priorities - len(join.untested) > 0


def test_no_coverage_data_means_no_join(tmp_path: Path) -> None:
    root = Path(shutil.copytree(SUITES.parent / "asyncsvc", tmp_path / "asyncsvc"))
    assert api.progress(root).coverage is None
