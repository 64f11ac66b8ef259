"""Time load_coverage on synthetic coverage data for a large project (default 50,000 files).

Builds, under a temporary folder, coverage.py data files recorded under another machine's root
(one with executed lines, one with arcs and per-test contexts) plus a Cobertura XML report, for a
project of N modules in nested packages, then times load_coverage on each against a Project that
lists the same modules. Wall and CPU time are both shown: on a busy machine they differ. Usage:

    python benchmarks/bench_coverage_load.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from coverage import CoverageData

from gapfinder.rank.coverage_data import load_coverage
from gapfinder.model import Project, SourceFile

RECORDED_ROOT = "/home/runner/work/bigapp/bigapp"


def module_paths(n: int) -> list[str]:
    """pkgNN/subNN/mod_N.py: 100 packages x 10 subpackages, plus every package's __init__.py."""
    paths = [f"pkg{i % 100:02d}/sub{i // 100 % 10}/mod_{i}.py" for i in range(n)]
    paths += sorted({p.rsplit("/", 1)[0] + "/__init__.py" for p in paths})
    return paths


def write_data(path: Path, rels: list[str], *, arcs: bool) -> None:
    data = CoverageData(basename=str(path))
    for context in ("test_a", "test_b") if arcs else ("",):
        data.set_context(context)
        if arcs:
            data.add_arcs({f"{RECORDED_ROOT}/{r}": [(-1, 1), (1, 2), (2, 5), (5, 9), (9, -1)] for r in rels})
        else:
            data.add_lines({f"{RECORDED_ROOT}/{r}": list(range(1, 40, 2)) for r in rels})
    data.write()


def write_cobertura(path: Path, rels: list[str]) -> None:
    with path.open("w") as out:
        out.write(f'<?xml version="1.0" ?>\n<coverage branches-valid="0">\n<sources><source>{RECORDED_ROOT}</source></sources>\n<packages><package name="all"><classes>\n')
        lines = "".join(f'<line number="{n}" hits="{n % 3}"/>' for n in range(1, 40, 2))
        for rel in rels:
            out.write(f'<class name="x" filename="{rel}"><methods/><lines>{lines}</lines></class>\n')
        out.write("</classes></package></packages>\n</coverage>\n")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    rels = module_paths(n)
    files = tuple(SourceFile(r, r[:-3].replace("/", "."), r.endswith("__init__.py")) for r in rels)
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(Path(tmp), (".",), files, ())
        cases = {
            "coverage.py lines": (Path(tmp) / "lines.coverage", lambda p: write_data(p, rels, arcs=False)),
            "coverage.py arcs+contexts": (Path(tmp) / "arcs.coverage", lambda p: write_data(p, rels, arcs=True)),
            "cobertura xml": (Path(tmp) / "coverage.xml", lambda p: write_cobertura(p, rels)),
        }
        print(f"{len(rels)} files recorded under {RECORDED_ROOT}")
        for label, (path, build) in cases.items():
            build(path)
            started, cpu = time.perf_counter(), time.process_time()
            cov = load_coverage(path, project)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            size = path.stat().st_size / 1e6
            print(f"{label:28} {size:7.1f} MB  matched {len(cov.files):6}  load {seconds:6.2f} s (cpu {cpu:.2f} s)")


if __name__ == "__main__":
    main()
