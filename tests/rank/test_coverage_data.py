"""coverage_data: every format, from real coverage runs of the fixtures and from the stored
real-world-shaped files; path mapping; unmeasured files; bad input answered by one clear error."""

from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path

import pytest
from coverage import CoverageData
from coverage_runs import FIXTURES, CoverageRun

from gapfinder.config import load_config
from gapfinder.rank.coverage_data import find_coverage, load_coverage
from gapfinder.errors import CoverageDataError
from gapfinder.model import Project, SourceFile
from gapfinder.core.project import discover

STORED = FIXTURES / "coverage-files"
TEXT = "app/utils/text.py"


def project_at(root: Path) -> Project:
    return discover(root, load_config(root))


def body_lines(path: Path, name: str) -> set[int]:
    """Lines of the statements inside function `name` (what a report counts as its statements)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)
    return {n.lineno for stmt in func.body for n in ast.walk(stmt) if isinstance(n, ast.stmt)}


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def asyncsvc() -> Project:
    return project_at(FIXTURES / "asyncsvc")


def assert_text_module_as_tested(cov, source: Path) -> None:
    """text.py as fixtures/asyncsvc/tests/test_text.py exercises it: slugify and truncate ran
    (but not slugify's over-long branch); mask_email and parse_bool never ran."""
    executed = cov.files[TEXT].executed
    long_slug = line_of(source, "slug = slug[:max_length]")
    assert body_lines(source, "slugify") - {long_slug} <= executed
    assert long_slug not in executed
    assert body_lines(source, "truncate") <= executed
    assert not body_lines(source, "mask_email") & executed
    assert not body_lines(source, "parse_bool") & executed


# --- every format from one real run -----------------------------------------------------------

@pytest.mark.parametrize("fmt", ["coverage.py", "cobertura", "json", "lcov"])
def test_real_run_in_every_format(asyncsvc_run: CoverageRun, fmt: str) -> None:
    project = project_at(asyncsvc_run.root)
    cov = load_coverage(asyncsvc_run.by_format()[fmt], project)
    assert cov.format == fmt
    assert_text_module_as_tested(cov, asyncsvc_run.root / TEXT)
    # Nothing imports the agents package during the tests: unmeasured, so absent, not 0%.
    assert "app/agents/dispatcher.py" in {f.path for f in project.files}
    assert not {p for p in cov.files if p.startswith("app/agents/")}
    # The tests ran too (recorded), but only source files are kept and none is unmatched.
    assert cov.recorded == len(cov.files) + len(project.test_files)
    assert cov.unmatched == ()
    assert cov.has_branches


def test_report_formats_agree_on_statements_and_branches(asyncsvc_run: CoverageRun) -> None:
    project = project_at(asyncsvc_run.root)
    loaded = [load_coverage(asyncsvc_run.by_format()[f], project) for f in ("cobertura", "json", "lcov")]
    assert len({frozenset(c.files) for c in loaded}) == 1
    for path in loaded[0].files:
        assert len({c.files[path].statements for c in loaded}) == 1, path
        assert len({(c.files[path].branches_total, c.files[path].branches_covered) for c in loaded}) == 1, path
    text = loaded[0].files[TEXT]
    assert body_lines(asyncsvc_run.root / TEXT, "parse_bool") <= text.statements
    assert 0 < text.branches_covered < text.branches_total


def test_data_file_arcs_show_the_branch_not_taken(asyncsvc_run: CoverageRun) -> None:
    cov = load_coverage(asyncsvc_run.data, project_at(asyncsvc_run.root))
    source = asyncsvc_run.root / TEXT
    test, long_slug = line_of(source, "if len(slug) > max_length"), line_of(source, "slug = slug[:max_length]")
    text = cov.files[TEXT]
    assert text.statements is None and text.branches_total is None
    assert (test, line_of(source, 'return slug or "n-a"')) in text.arcs
    assert (test, long_slug) not in text.arcs


def test_dynamic_contexts_name_the_tests_that_ran_a_file(asyncsvc_run: CoverageRun) -> None:
    project = project_at(asyncsvc_run.root)
    tests = ast.parse((asyncsvc_run.root / "tests/test_text.py").read_text())
    expected = {f"test_text.{n.name}" for n in tests.body if isinstance(n, ast.FunctionDef)}
    for path in (asyncsvc_run.data, asyncsvc_run.json):
        cov = load_coverage(path, project)
        assert cov.has_contexts
        assert cov.files[TEXT].contexts == expected
        assert "test_auth.test_token_round_trip" in cov.files["app/auth.py"].contexts
    assert not load_coverage(asyncsvc_run.xml, project).has_contexts


# --- stored files from other machines --------------------------------------------------------

@pytest.mark.parametrize(
    "name, fmt",
    [
        ("ci-other-root.coverage", "coverage.py"),
        ("windows-coverage.json", "json"),
        ("windows-coverage.xml", "cobertura"),
        ("other-tool-cobertura.xml", "cobertura"),
        ("lcov.info", "lcov"),
    ],
)
def test_stored_files_map_onto_the_fixture(asyncsvc: Project, asyncsvc_run: CoverageRun, name: str, fmt: str) -> None:
    cov = load_coverage(STORED / name, asyncsvc)
    assert cov.format == fmt
    assert_text_module_as_tested(cov, FIXTURES / "asyncsvc" / TEXT)
    fresh = load_coverage(asyncsvc_run.by_format()[fmt], project_at(asyncsvc_run.root))
    assert cov.files.keys() == fresh.files.keys()  # stale fixture files show up here
    assert cov.files[TEXT].executed == fresh.files[TEXT].executed
    assert cov.unmatched == ()


def test_windows_xml_recorded_paths_use_backslashes() -> None:
    text = (STORED / "windows-coverage.xml").read_text()
    assert "<source>C:\\Users\\dev\\asyncsvc</source>" in text
    assert 'filename="app\\utils\\text.py"' in text


# --- parallel data files and static contexts -------------------------------------------------

def test_parallel_files_are_combined_without_touching_them(srclib_parallel_run: Path) -> None:
    root = srclib_parallel_run
    parts = sorted(root.glob(".coverage.*"))
    assert len(parts) == 2 and not (root / ".coverage").exists()
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.iterdir() if p.is_file()}
    project = project_at(root)
    assert find_coverage(root) in parts
    cov = load_coverage(parts[0], project)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.iterdir() if p.is_file()}
    assert after == before
    assert cov.recorded == len(cov.files) + 2  # the two test files
    csv, tokens = cov.files["src/textkit/formats/csvlite.py"], cov.files["src/textkit/tokens.py"]
    unterminated = line_of(root / csv.path, "raise CsvError(f\"unterminated")
    assert body_lines(root / csv.path, "split_row") - {unterminated} <= csv.executed
    assert unterminated not in csv.executed
    assert body_lines(root / tokens.path, "tokenize") <= tokens.executed
    assert csv.contexts == {"csv"}  # only test_csvlite imports it
    assert tokens.contexts == {"tokens", "csv"}  # textkit/__init__ imports it in both runs
    assert "src/textkit/wrap.py" not in cov.files and "src/textkit/formats/ini.py" not in cov.files
    assert cov.source == f"{root / '.coverage'}* (2 files combined)"
    # Naming the .coverage that `coverage combine` would write finds the same parallel files.
    assert load_coverage(root / ".coverage", project).files == cov.files


def test_line_and_branch_parallel_files_do_not_combine(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("x = 1\n")
    lines = CoverageData(basename=str(tmp_path / ".coverage"), suffix="a")
    lines.add_lines({str(tmp_path / "mod.py"): [1]})
    lines.write()
    arcs = CoverageData(basename=str(tmp_path / ".coverage"), suffix="b")
    arcs.add_arcs({str(tmp_path / "mod.py"): [(-1, 1), (1, -1)]})
    arcs.write()
    with pytest.raises(CoverageDataError, match=r"2 data files .* could not be read: .*branch"):
        load_coverage(tmp_path / ".coverage.a", project_at(tmp_path))


# --- path mapping ----------------------------------------------------------------------------

def synthetic_project(root: Path, paths: list[str], source_roots: tuple[str, ...] = (".",)) -> Project:
    files = tuple(SourceFile(p, p[:-3].replace("/", "."), p.endswith("__init__.py")) for p in paths)
    return Project(root, source_roots, files, ())


def data_file(path: Path, recorded: list[str]) -> Path:
    data = CoverageData(basename=str(path))
    data.add_lines({name: [1, 2] for name in recorded})
    data.write()
    return path


def test_src_layout_maps_from_checkout_and_site_packages(tmp_path: Path) -> None:
    project = synthetic_project(tmp_path, ["src/textkit/stats.py", "src/textkit/wrap.py"], ("src", "."))
    path = data_file(tmp_path / "data.coverage", [
        "/home/ci/textkit/src/textkit/stats.py",
        "/opt/venv/lib/python3.12/site-packages/textkit/wrap.py",
    ])
    assert set(load_coverage(path, project).files) == {"src/textkit/stats.py", "src/textkit/wrap.py"}


def test_ambiguous_and_foreign_bare_names_are_not_guessed(tmp_path: Path) -> None:
    project = synthetic_project(tmp_path, ["a/__init__.py", "b/__init__.py", "app/core.py", "utils.py"])
    path = data_file(tmp_path / "data.coverage", [
        "/ci/proj/app/core.py",
        "/elsewhere/__init__.py",  # a/ or b/? not a guess
        "/usr/lib/python3/dist-packages/requests/utils.py",  # not the project's own utils.py
        "/ci/proj/utils.py",  # same root as app/core.py: the project's
    ])
    cov = load_coverage(path, project)
    assert set(cov.files) == {"app/core.py", "utils.py"}
    assert cov.unmatched == ("/elsewhere/__init__.py", "/usr/lib/python3/dist-packages/requests/utils.py")


def test_explicit_path_map_rewrites_a_renamed_root(asyncsvc: Project, tmp_path: Path) -> None:
    recorded = ["C:\\build\\old_agents\\tools.py", "C:\\build\\old_agents\\dispatcher.py"]
    path = data_file(tmp_path / "data.coverage", recorded)
    with pytest.raises(CoverageDataError) as caught:
        load_coverage(path, asyncsvc)
    assert caught.value.message.startswith(f"None of the 2 files recorded in {path} matches a source file")
    assert f"--path-map 'C:\\build\\old_agents={asyncsvc.root}'" in caught.value.hint
    cov = load_coverage(path, asyncsvc, ["c:\\build\\old_agents=app/agents"])
    assert set(cov.files) == {"app/agents/tools.py", "app/agents/dispatcher.py"}
    assert cov.mappings == ("c:\\build\\old_agents=app/agents",)
    absolute = load_coverage(path, asyncsvc, [f"C:/build/old_agents={asyncsvc.root / 'app' / 'agents'}"])
    assert set(absolute.files) == set(cov.files)


def test_path_map_without_equals_is_refused(asyncsvc: Project) -> None:
    with pytest.raises(CoverageDataError, match="--path-map 'C:/x' is not of the form OLD=NEW"):
        load_coverage(STORED / "lcov.info", asyncsvc, ["C:/x"])


def test_data_for_another_project_matches_nothing(srclib_run: CoverageRun, asyncsvc: Project) -> None:
    with pytest.raises(CoverageDataError) as caught:
        load_coverage(srclib_run.xml, asyncsvc)
    assert "matches a source file under" in caught.value.message
    assert "--path-map" in caught.value.hint


def test_cobertura_classes_split_and_method_lines_merge(asyncsvc: Project, tmp_path: Path) -> None:
    """Some writers emit one <class> per Python class and repeat lines under <methods>."""
    path = tmp_path / "cobertura.xml"
    path.write_text(
        '<coverage branches-valid="2"><sources><source>/ci/asyncsvc</source></sources><packages><package name="app.utils">'
        '<classes><class name="A" filename="app/utils/timeutil.py"><methods><method name="f"><lines>'
        '<line number="3" hits="1"/></lines></method></methods><lines><line number="3" hits="1"/>'
        '<line number="4" hits="0" branch="true" condition-coverage="50% (1/2)"/></lines></class>'
        '<class name="B" filename="app/utils/timeutil.py"><methods/><lines><line number="4" hits="2"/>'
        '<line number="9" hits="0"/></lines></class></classes></package></packages></coverage>'
    )
    timeutil = load_coverage(path, asyncsvc).files["app/utils/timeutil.py"]
    assert timeutil.executed == {3, 4}
    assert timeutil.statements == {3, 4, 9}
    assert (timeutil.branches_covered, timeutil.branches_total) == (1, 2)


def test_lcov_repeated_records_of_one_file_merge(asyncsvc: Project, tmp_path: Path) -> None:
    path = tmp_path / "lcov.info"
    path.write_text(
        "TN:unit\nSF:app/utils/text.py\nDA:1,1\nDA:2,0\nBRDA:2,0,0,-\nBRDA:2,0,1,1\nend_of_record\n"
        "TN:api\nSF:app/utils/text.py\nDA:2,3\nDA:5,0\nend_of_record\n"
    )
    text = load_coverage(path, asyncsvc).files[TEXT]
    assert text.executed == {1, 2} and text.statements == {1, 2, 5}
    assert (text.branches_covered, text.branches_total) == (1, 2)


# --- discovery -------------------------------------------------------------------------------

def test_find_coverage_prefers_the_newest_in_root_or_report_folders(tmp_path: Path) -> None:
    assert find_coverage(tmp_path) is None
    (tmp_path / "reports").mkdir()
    old, new = tmp_path / "coverage.xml", tmp_path / "reports" / "coverage.json"
    old.write_text("<coverage/>")
    new.write_text("{}")
    (tmp_path / ".coveragerc").write_text("[run]\n")
    os.utime(old, (1_000_000, 1_000_000))
    assert find_coverage(tmp_path) == new
    os.utime(new, (900_000, 900_000))
    assert find_coverage(tmp_path) == old


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name, content, message",
    [
        ("corrupt.coverage", None, "is not a coverage.py data file: it is not an SQLite database."),
        ("junit.xml", None, "is XML but not a Cobertura coverage report: its root element is <testsuites>"),
        ("coverage.xml", "<coverage><packages><package>", "is not well-formed XML"),
        ("coverage.json", '{"files": [1, 2', "is not valid JSON"),
        ("coverage.json", '{"totals": {}}', 'is JSON but not a coverage.py report: it has no "files" table.'),
        ("coverage.json", '{"files": {"app/auth.py": {"lines": []}}}', 'its "files" entries are not coverage.py'),
        ("lcov.info", "SF:app/auth.py\nDA:x,1\nend_of_record\n", "line 2 is not valid lcov: 'DA:x,1'."),
        ("notes.txt", "hello\n", "is not in a coverage format gapfinder reads."),
        ("empty.json", '{"meta": {}, "files": {}}', "records no files"),
    ],
)
def test_bad_input_is_one_clear_error(asyncsvc: Project, tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = STORED / name if content is None else tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(CoverageDataError) as caught:
        load_coverage(path, asyncsvc)
    assert message in caught.value.message
    assert caught.value.message.endswith(".")
    assert caught.value.hint


def test_missing_data_file(asyncsvc: Project, tmp_path: Path) -> None:
    with pytest.raises(CoverageDataError, match=r"Coverage data .*nope\.coverage does not exist\."):
        load_coverage(tmp_path / "nope.coverage", asyncsvc)
