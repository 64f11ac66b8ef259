"""Benchmark `gapfinder rank` against the time one process needs just to `ast.parse` the files.

By default, the speed targets of issue 12, measured side by side in one run (ratios within it):
  parse-only   one process reading and `ast.parse`-ing every file of a 6,000-module code base
               (benchmarks/synth.py, with a three-year git history of --commits commits): the yardstick;
  cold         `gapfinder rank DIR --format json --top 0` on it, no cache (git history read);
  warm         the same again, nothing changed (target <= 1 s);
  backtest     `gapfinder rank DIR --backtest --format json` (target <= 2x cold);
  edited       one file edited in a 10,000-module code base whose cache is warm (target <= 2 s);
and with --real PATH, cold (`--no-cache`: the backtest does not cache either) and `--backtest` on
a real clone. Every run is a fresh process; CPU seconds count the whole process tree (workers and
git too): on a shared machine they are the steadier figure. --repeat N keeps each figure's best.

    python benchmarks/bench_rank.py [--real /work/corpora/backtest/netbox] [--repeat 3]
    python benchmarks/bench_rank.py --sizes 1000,10000,50000   # the scaling table: analyse() and rank
    python benchmarks/bench_rank.py --sizes 1000 --mode analyse  # analyse() only, no ranking
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402

# Runs `argv` as a child and prints (seconds, peak RSS in KiB of the largest descendant, CPU
# seconds of all descendants: on a shared machine the CPU time is the steadier figure).
_TIMED = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - start
if done.returncode not in (0, 1):
    sys.exit("failed: " + done.stderr[-2000:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""
_PARSE_ONLY = """
import ast, os, sys
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as handle:
                ast.parse(handle.read())
"""
_ANALYSE_ONLY = """
import sys
from pathlib import Path
from gapfinder.rank.runner import analyse
from gapfinder.config import load_config
from gapfinder.core.project import discover
root = Path(sys.argv[1])
project = discover(root, load_config(root))
result = analyse(project, max_file_bytes=2_000_000, cache_dir=root / ".gapfinder")
assert len(result.modules) == len(project.files), result.skipped[:3]
"""


def timed(argv: list[str]) -> tuple[float, float, float]:
    """(seconds, peak RSS in MiB, CPU seconds) of one run of argv in a fresh process."""
    out = subprocess.run([sys.executable, "-c", _TIMED, *argv], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{' '.join(argv)}: {out.stderr.strip() or out.stdout.strip()}")
    seconds, rss, cpu = out.stdout.split()
    return float(seconds), int(rss) / 1024, float(cpu)


def best(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """The least wall time, the largest peak RSS and the least CPU time of repeated runs."""
    return min(r[0] for r in runs), max(r[1] for r in runs), min(r[2] for r in runs)


def _gapfinder() -> str:
    return shutil.which("gapfinder", path=str(Path(sys.executable).parent)) or "gapfinder"


def _edit(tree: Path, number: int) -> None:
    """Append a function to one module that others import (its importers' graph facts change)."""
    target = tree / synth.ROOT_PACKAGE / "pkg0000" / "mod00.py"
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(f"\n\ndef edited_{number}(value):\n    if value:\n        return value\n    return {number}\n")


def _byte_compiled() -> None:
    """Byte-compile gapfinder as installing a wheel does: where PYTHONDONTWRITEBYTECODE is set (this
    machine, some CI images) an editable install otherwise compiles its ~50 modules again in every
    timed run (0.05 s of CPU)."""
    import compileall

    import gapfinder

    compileall.compile_dir(str(Path(gapfinder.__file__).parent), quiet=1)


def targets(base: Path, commits: int, real: Path | None, repeat: int, median_lines: int) -> dict:
    """The issue's figures, all in this one run."""
    _byte_compiled()
    big, edited_tree = base / "git6000", base / "plain10000"
    if not big.exists():
        synth.generate(big, 6000, median_lines=median_lines)
        synth.generate_history(big, commits)
    if not edited_tree.exists():
        synth.generate(edited_tree, 10000, median_lines=median_lines)
    rank = [_gapfinder(), "rank", "--format", "json", "--top", "0", "--quiet"]
    figures: dict = {"load": [os.getloadavg()[0]], "repeat": repeat, "commits": commits}
    figures["parse"] = best([timed([sys.executable, "-c", _PARSE_ONLY, str(big)]) for _ in range(repeat)])
    colds, warms = [], []
    for _ in range(repeat):
        shutil.rmtree(big / ".gapfinder", ignore_errors=True)
        colds.append(timed([*rank, str(big)]))
        warms.append(timed([*rank, str(big)]))
    figures["cold"], figures["warm"] = best(colds), best(warms)
    backtest = [_gapfinder(), "rank", "--backtest", "--format", "json", "--quiet"]
    figures["backtest"] = best([timed([*backtest, str(big)]) for _ in range(repeat)])
    figures["load"].append(os.getloadavg()[0])
    shutil.rmtree(edited_tree / ".gapfinder", ignore_errors=True)
    figures["edited_cold"] = timed([*rank, "--no-git", str(edited_tree)])
    edits = []
    for number in range(repeat):
        _edit(edited_tree, number)
        edits.append(timed([*rank, "--no-git", str(edited_tree)]))
    figures["edited"] = best(edits)
    if real is not None:
        figures["real"] = str(real)
        figures["real_cold"] = best([timed([*rank, "--no-cache", str(real)]) for _ in range(repeat)])
        figures["real_backtest"] = best([timed([*backtest, str(real)]) for _ in range(repeat)])
    figures["load"].append(os.getloadavg()[0])
    figures["lines"] = sum(p.read_bytes().count(b"\n") for p in big.rglob("*.py"))
    return figures


def targets_report(f: dict) -> str:
    parse, cold, warm, backtest, edited = f["parse"], f["cold"], f["warm"], f["backtest"], f["edited"]
    rows = [
        ("parse-only (one process)", parse, "", ""),
        ("cold rank (git history)", cold, f"{cold[0] / parse[0]:.2f}x / {cold[2] / parse[2]:.2f}x parse-only",
         "<= 1.25x parse-only"),
        ("warm rank (nothing changed)", warm, "", "<= 1 s"),
        ("--backtest", backtest, f"{backtest[0] / cold[0]:.2f}x / {backtest[2] / cold[2]:.2f}x cold", "<= 2x cold"),
        ("one file edited, 10,000 modules", edited, "", "<= 2 s"),
    ]
    if "real" in f:
        rc, rb = f["real_cold"], f["real_backtest"]
        rows += [(f"{f['real']}: cold --no-cache", rc, "", ""),
                 (f"{f['real']}: --backtest", rb, f"{rb[0] / rc[0]:.2f}x / {rb[2] / rc[2]:.2f}x cold", "<= 2x cold")]
    out = [f"cpus: {os.cpu_count()}; python {sys.version.split()[0]}; 6,000 modules, {f['lines']:,} lines, "
           f"{f['commits']} commits; best of {f['repeat']}; load {' / '.join(f'{x:.1f}' for x in f['load'])}", "",
           "| what | wall s | CPU s | peak RSS MB | ratio (wall / CPU) | target |", "|---|---:|---:|---:|---|---|"]
    for what, (wall, rss, cpu), ratio, target in rows:
        out.append(f"| {what} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {ratio} | {target} |")
    return "\n".join(out)


def measure(size: int, modes: list[str], keep: Path | None, median_lines: int) -> list[dict]:
    """Figures for one size: parse-only once, then cold and warm runs for each mode."""
    _byte_compiled()
    base = Path(tempfile.mkdtemp(prefix=f"gapfinder-bench-{size}-")) if keep is None else keep
    try:
        tree = base / "project"
        if not tree.exists():
            synth.generate(tree, size, median_lines=median_lines)
        lines = sum(p.read_bytes().count(b"\n") for p in tree.rglob("*.py"))
        load_before = os.getloadavg()[0]
        parse = timed([sys.executable, "-c", _PARSE_ONLY, str(tree)])
        rows = []
        for mode in modes:
            if mode == "cli":
                gapfinder = shutil.which("gapfinder", path=str(Path(sys.executable).parent)) or "gapfinder"
                run = [gapfinder, "rank", str(tree), "--format", "json", "--top", "0", "--no-git", "--quiet"]
            else:
                run = [sys.executable, "-c", _ANALYSE_ONLY, str(tree)]
            shutil.rmtree(tree / ".gapfinder", ignore_errors=True)
            cold = timed(run)
            warm = timed(run)
            rows.append({
                "mode": mode, "modules": size, "lines": lines, "parse_only": parse[0], "cold": cold[0],
                "warm": warm[0], "cold_rss_mb": cold[1], "warm_rss_mb": warm[1], "parse_rss_mb": parse[1],
                "parse_cpu": parse[2], "cold_cpu": cold[2], "warm_cpu": warm[2],
                "load": (load_before, os.getloadavg()[0]),
            })
        return rows
    finally:
        if keep is None:
            shutil.rmtree(base, ignore_errors=True)


def report(rows: list[dict]) -> str:
    out = [f"cpus: {os.cpu_count()}; python {sys.version.split()[0]}", "",
           "| what | modules | lines | parse-only s | cold s | cold/parse | warm s | cold RSS MB | warm RSS MB "
           "| CPU s: parse-only / cold / warm | load before/after |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        what = "gapfinder rank" if r["mode"] == "cli" else "analyse()"
        out.append(
            f"| {what} | {r['modules']:,} | {r['lines']:,} | {r['parse_only']:.1f} | {r['cold']:.1f} | "
            f"{r['cold'] / r['parse_only']:.2f} | {r['warm']:.2f} | {r['cold_rss_mb']:.0f} | "
            f"{r['warm_rss_mb']:.0f} | {r['parse_cpu']:.1f} / {r['cold_cpu']:.1f} / {r['warm_cpu']:.1f} | "
            f"{r['load'][0]:.1f} / {r['load'][1]:.1f} |"
        )
    out += ["", "targets: cold <= 1.25x parse-only; warm < 2 s at 6,000 files; 50,000 modules cold < 60 s, "
            "warm < 10 s; memory < 1 GB (RSS of the largest process)"]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="the scaling table for these comma-separated module counts "
                        "(without it: the issue's targets)")
    parser.add_argument("--commits", type=int, default=400, help="history of the 6,000-module repository")
    parser.add_argument("--real", type=Path, help="a real git clone to time cold and --backtest on too")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the best is kept")
    parser.add_argument("--mode", choices=("cli", "analyse", "both"), default="both",
                        help="cli: the whole `gapfinder rank`; analyse: gapfinder.rank.runner.analyse only")
    parser.add_argument("--keep", type=Path, help="generate into (and reuse) this folder (one size only "
                        "with --sizes)")
    parser.add_argument("--median-lines", type=int, default=150,
                        help="median module size; the issue's '50,000 small modules' suggests about 40")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = parser.parse_args()
    if not args.sizes:
        base = args.keep or Path(tempfile.mkdtemp(prefix="gapfinder-bench-"))
        try:
            figures = targets(base, args.commits, args.real, args.repeat, args.median_lines)
        finally:
            if args.keep is None:
                shutil.rmtree(base, ignore_errors=True)
        print(targets_report(figures))
        if args.json:
            print(json.dumps(figures, indent=2))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = ["analyse", "cli"] if args.mode == "both" else [args.mode]
    rows = []
    for size in sizes:
        rows += measure(size, modes, args.keep, args.median_lines)
        print(report(rows), file=sys.stderr, flush=True)  # so far, in case a larger size is stopped
    print(report(rows))
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
