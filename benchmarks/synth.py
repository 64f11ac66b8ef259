"""Generate a synthetic, deterministic code base for speed benchmarks.

N modules in packages of 10-40 modules; sizes mostly 50-400 lines with a long tail; imports
between modules with a power-law fan-in (a few modules are imported by very many); classes,
sync and async functions with awaits, branches and try/except; risk markers (database, HTTP,
Redis, tasks, locks, auth) in a share of the modules. Coverage data for about 30% of the files
is written through coverage's own API. With --commits, the tree is a git repository whose history
(written with `git fast-import`: no checkouts) grows it commit by commit over three years.

    python benchmarks/synth.py OUT_DIR --modules 1000 [--seed 1] [--median-lines 150] [--commits 400]
"""

from __future__ import annotations

import argparse
import math
import random
import subprocess
import time
from pathlib import Path

ROOT_PACKAGE = "synthapp"
# Module-level extras that give risk markers: (share of modules, import lines, a call it makes).
EXTRAS = (
    (0.20, "from sqlalchemy import select\nfrom sqlalchemy.ext.asyncio import AsyncSession",
     "await session.execute(select(Row).where(Row.id == {arg}))"),
    (0.10, "import httpx", "await client.get('/items/' + str({arg}))"),
    (0.05, "import redis.asyncio as redis", "await cache.get('key-' + str({arg}))"),
    (0.08, "import asyncio", "await asyncio.gather(*(work(i) for i in range({arg})))"),
    (0.04, "import threading", "threading.Lock()"),
    (0.05, "import jwt", "jwt.decode(token, 'secret', algorithms=['HS256'])"),
    (0.03, "import subprocess", "subprocess.run(['true'], check=False)"),
)


def _sizes(rng: random.Random, count: int, median: int) -> list[int]:
    sizes = []
    for _ in range(count):
        if rng.random() < 0.01:
            sizes.append(rng.randint(1500, 5000))  # a few large modules
        else:
            sizes.append(int(min(1200, max(20, rng.lognormvariate(math.log(median), 0.6)))))
    return sizes


def _layout(rng: random.Random, count: int) -> list[str]:
    """Dotted module names, packaged in groups of 10-40."""
    names: list[str] = []
    package = 0
    while len(names) < count:
        size = min(rng.randint(10, 40), count - len(names))
        for index in range(size):
            names.append(f"{ROOT_PACKAGE}.pkg{package:04d}.mod{index:02d}")
        package += 1
    return names


def _function(rng: random.Random, name: str, deps: list[str], extras: list[str], is_async: bool,
              indent: str, method: bool) -> list[str]:
    lines = []
    args = "self, value, session=None, client=None, cache=None, token=''" if method else \
        "value, session=None, client=None, cache=None, token=''"
    lines.append(f"{indent}{'async ' if is_async else ''}def {name}({args}):")
    lines.append(f'{indent}    """Work on {{value}} for {name}."""')
    lines.append(f"{indent}    total = 0")
    for step in range(rng.randint(2, 6)):
        kind = rng.random()
        if kind < 0.3:
            lines += [f"{indent}    if value > {step} and total < {step * 7}:",
                      f"{indent}        total += value * {step}",
                      f"{indent}    elif value < 0:",
                      f"{indent}        total -= 1"]
        elif kind < 0.5:
            lines += [f"{indent}    for item in range(value % {step + 3}):",
                      f"{indent}        total += item if item % 2 else -item"]
        elif kind < 0.65:
            lines += [f"{indent}    try:",
                      f"{indent}        total += int(str(value))",
                      f"{indent}    except ValueError as exc:",
                      f"{indent}        raise RuntimeError('bad value') from exc"]
        elif kind < 0.85 and deps:
            dep = rng.choice(deps).rpartition(".")[2]
            call = f"{dep}.func_0(total)"
            lines.append(f"{indent}    total += {call} or 0")
        else:
            lines.append(f"{indent}    items = [x * 2 for x in range(value) if x % {step + 2}]")
            lines.append(f"{indent}    total += sum(items)")
    if is_async and extras:
        lines.append(f"{indent}    result = {rng.choice(extras).format(arg='value')}")
    elif is_async:
        lines.append(f"{indent}    await helper(value)")
    lines.append(f"{indent}    return total")
    lines.append("")
    return lines


def module_source(rng: random.Random, name: str, target_lines: int, deps: list[str]) -> str:
    lines = [f'"""Synthetic module {name}."""', "", "import logging", "import os"]
    extras = []
    for share, imports, call in EXTRAS:
        if rng.random() < share:
            lines.append(imports)
            extras.append(call)
    for dep in deps:
        package, _, module = dep.rpartition(".")
        lines.append(f"from {package} import {module}")
    lines += ["", "log = logging.getLogger(__name__)", "", "",
              "async def helper(value):", "    return value", "", "",
              "def func_0(value):", "    return value + 1", ""]
    functions = 1
    classes = 0
    while len(lines) < target_lines:
        if rng.random() < 0.3:
            lines.append(f"class Service{classes}:")
            lines.append('    """A service."""')
            lines.append("")
            for method in range(rng.randint(2, 5)):
                lines += _function(rng, f"method_{method}", deps, extras, rng.random() < 0.4, "    ", True)
            classes += 1
        else:
            functions += 1
            lines += _function(rng, f"func_{functions}", deps, extras, rng.random() < 0.4, "", False)
        lines.append("")
    return "\n".join(lines) + "\n"


def generate(out: Path, modules: int, seed: int = 1, coverage_share: float = 0.3,
             median_lines: int = 150) -> list[Path]:
    """Write the code base (and .coverage) under `out`; return the module files written."""
    rng = random.Random(seed)
    names = _layout(rng, modules)
    sizes = _sizes(rng, modules, median_lines)
    # Power-law popularity: module k is imported with weight 1/(k+1)^1.1 (a shuffled order).
    popular = names[:]
    rng.shuffle(popular)
    weights = [1.0 / (k + 1) ** 1.1 for k in range(len(popular))]
    written: list[Path] = []
    packages = set()
    for name, size in zip(names, sizes):
        wanted = min(rng.randint(1, 8), len(names) - 1)
        deps = sorted({d for d in rng.choices(popular, weights, k=wanted) if d != name})
        path = out.joinpath(*name.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        packages.add(path.parent)
        path.write_text(module_source(rng, name, size, deps), encoding="utf-8")
        written.append(path)
    packages.add(out / ROOT_PACKAGE)
    for package in packages:
        (package / "__init__.py").touch()
    _write_coverage(rng, out, written, coverage_share)
    return written


def _write_coverage(rng: random.Random, out: Path, files: list[Path], share: float) -> None:
    import coverage

    data = coverage.CoverageData(basename=str(out / ".coverage"))
    lines: dict[str, set[int]] = {}
    for path in files:
        if rng.random() >= share:
            continue
        code = [i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text.strip() and not text.lstrip().startswith(("#", '"""'))]
        lines[str(path.resolve())] = set(rng.sample(code, int(len(code) * rng.uniform(0.3, 0.95))))
    data.add_lines(lines)
    data.write()


HISTORY_YEARS = 3
_FIX_SUBJECTS = ("fix crash when {0} gets an empty value", "Fix off-by-one in {0}", "bugfix: {0} returned None")
_OTHER_SUBJECTS = ("add {0} option", "refactor {0}", "tidy {0}", "docs for {0}")


def generate_history(out: Path, commits: int, seed: int = 1) -> None:
    """Make `out` (as generate() wrote it) a git repository whose last commit is the tree on disk.

    The first commit holds every file without the functions later commits add; each later commit
    adds a function to 1-6 files (a quarter of them named like bug fixes), dated evenly over the
    last HISTORY_YEARS years, so `rank --backtest` has an old tree to replay and fixes to count.
    """
    rng = random.Random(seed)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.py"))
    content = {rel: (out / rel).read_bytes() for rel in files}
    popular = files[:]
    rng.shuffle(popular)
    weights = [1.0 / (k + 1) ** 0.8 for k in range(len(popular))]  # a few files change often
    changes: list[tuple[str, list[tuple[str, bytes]]]] = []
    for number in range(1, commits):
        touched = sorted(set(rng.choices(popular, weights, k=rng.randint(1, 6))))
        name = touched[0].rpartition("/")[2][:-3]
        subject = rng.choice(_FIX_SUBJECTS if rng.random() < 0.25 else _OTHER_SUBJECTS).format(name)
        changes.append((subject, [(rel, f"\n\ndef change_{number}(value):\n    if value:\n        return {number}\n"
                                         f"    return -{number}\n".encode()) for rel in touched]))
    # The first commit is each file without the functions the later commits add to it.
    initial = dict(content)
    for _, edits in changes:
        for rel, text in edits:
            content[rel] += text
    now = int(time.time())
    step = HISTORY_YEARS * 365 * 86400 // commits
    stream: list[bytes] = []  # commits on one branch in one import follow each other


    def commit(index: int, subject: str, edits: list[tuple[str, bytes]]) -> None:
        when = now - (commits - 1 - index) * step
        message = subject.encode()
        stream.append(b"commit refs/heads/main\n" + f"author Dev <dev@example.com> {when} +0000\n"
                      f"committer Dev <dev@example.com> {when} +0000\ndata {len(message)}\n".encode() + message + b"\n")
        for rel, data in edits:
            stream.append(f"M 100644 inline {rel}\ndata {len(data)}\n".encode() + data + b"\n")

    commit(0, "initial import", sorted(initial.items()))
    grown = dict(initial)
    for index, (subject, edits) in enumerate(changes, 1):
        for rel, text in edits:
            grown[rel] += text
        commit(index, subject, [(rel, grown[rel]) for rel, _ in edits])
    for rel in files:
        (out / rel).write_bytes(content[rel])
    (out / ".gitignore").write_text(".coverage*\n.gapfinder/\n")
    git = ["git", "-C", str(out)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run([*git, "reset", "-q"], check=True)  # the index of HEAD; the files on disk already match


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--median-lines", type=int, default=150, help="median module size (lognormal)")
    parser.add_argument("--commits", type=int, default=0, help="make it a git repository with this many commits")
    args = parser.parse_args()
    files = generate(args.out, args.modules, args.seed, median_lines=args.median_lines)
    if args.commits:
        generate_history(args.out, args.commits, args.seed)
    total = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"{len(files)} modules, {total} lines under {args.out}")


if __name__ == "__main__":
    main()
