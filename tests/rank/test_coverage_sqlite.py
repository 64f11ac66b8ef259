"""coverage_sqlite: the one-query reading of a coverage.py data file says what coverage.py's own
API says, file by file, for a real run (arcs, contexts) and for line data; another schema is None."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from coverage import CoverageData

from gapfinder.rank.coverage_sqlite import read_executed
from coverage_runs import CoverageRun


def _api(path: Path) -> dict:
    data = CoverageData(basename=str(path))
    data.read()
    out = {}
    for name in data.measured_files():
        if data.has_arcs():
            arcs = frozenset(data.arcs(name) or ())
            out[name] = (frozenset(line for arc in arcs for line in arc if line > 0), arcs)
        else:
            out[name] = (frozenset(data.lines(name) or ()), None)
    return out


def test_real_branch_run_reads_as_coverage_py_does(asyncsvc_run: CoverageRun, tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copyfile(asyncsvc_run.data, copy)
    expected = _api(copy)
    assert any(arcs for _, arcs in expected.values())  # branch data with several test contexts
    assert read_executed(copy, has_arcs=True) == expected


def test_line_data_over_several_contexts_is_their_union(tmp_path: Path) -> None:
    data = CoverageData(basename=str(tmp_path / "lines"))
    data.set_context("test_a")
    data.add_lines({"/p/a.py": [1, 2, 9, 700], "/p/b.py": []})
    data.set_context("test_b")
    data.add_lines({"/p/a.py": [2, 3, 64, 4096]})
    data.write()
    found = read_executed(tmp_path / "lines", has_arcs=False)
    assert found == _api(tmp_path / "lines")
    assert found["/p/a.py"] == (frozenset({1, 2, 3, 9, 64, 700, 4096}), None)
    assert found["/p/b.py"] == (frozenset(), None)


def test_another_schema_version_is_left_to_coverage_py(tmp_path: Path) -> None:
    data = CoverageData(basename=str(tmp_path / "lines"))
    data.add_lines({"/p/a.py": [1]})
    data.write()
    with sqlite3.connect(tmp_path / "lines") as connection:
        connection.execute("UPDATE coverage_schema SET version = 8")
    connection.close()
    assert read_executed(tmp_path / "lines", has_arcs=False) is None
