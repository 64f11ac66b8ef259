"""`progress --collect` on real projects: pytest in each project's own venv against the static count.

For each PROJECT folder holding tree/ (the source) and venv/ (its installed dependencies), runs
`gapfinder progress tree --collect --python venv` and prints static tests/cases, pytest's, the
files that differ and the files pytest could not import. Without arguments: every such folder
under /work/corpora/rankeval/*/* and /work/corpora/scaffold/*.

    python benchmarks/progress_collect.py [PROJECT ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gapfinder import api
from gapfinder.errors import GapfinderError

CORPORA = ("/work/corpora/rankeval/*/*", "/work/corpora/scaffold/*")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("projects", nargs="*", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    projects = args.projects or sorted(p for pattern in CORPORA for p in Path("/").glob(pattern.lstrip("/"))
                                       if (p / "tree").is_dir() and (p / "venv").is_dir())
    rows = []
    print(f"{'project':48} {'static tests/cases':>20} {'pytest tests/cases':>20}  differing files")
    for project in projects:
        try:
            result = api.progress(project / "tree", collect=True, python=project / "venv")
        except GapfinderError as exc:
            print(f"{str(project):48} {exc.message}")
            continue
        check = result.pytest
        assert check is not None
        row = {"project": str(project), "static_tests": result.total("tests"), "static_cases": result.total("cases"),
               "pytest_tests": check.tests, "pytest_cases": check.cases, "error": check.error,
               "differences": [list(d) for d in check.differences], "collection_errors": list(check.collection_errors)}
        rows.append(row)
        print(f"{str(project)[-48:]:48} {row['static_tests']:>9}/{row['static_cases']:<10} "
              f"{check.tests:>9}/{check.cases:<10}  {len(check.differences)}"
              + (f" (+{len(check.collection_errors)} not importable)" if check.collection_errors else "")
              + (f"  error: {check.error}" if check.error else ""))
    collected = [r for r in rows if r["pytest_tests"]]  # pytest could collect (the right venv, its config)
    tests = sum(1 for r in collected if r["static_tests"] == r["pytest_tests"])
    same = sum(1 for r in collected if not r["differences"] and r["static_cases"] == r["pytest_cases"])
    print(f"{len(collected)} of {len(rows)} projects collected by pytest in their venv; of those, "
          f"{tests} with the same number of tests, {same} with the same cases file by file")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
