"""The parametrize-list evaluator: what it can know, and what it must refuse to run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gapfinder.progress.source_index import SourceIndex


def _length(tmp_path: Path, source: str) -> int | None:
    """Length of the last assignment's value in a module made of source."""
    (tmp_path / "test_m.py").write_text(source)
    index = SourceIndex(tmp_path, ("",))
    module = index.module("test_m.py")
    assert module is not None
    last = [s for s in module.tree.body if isinstance(s, ast.Assign)][-1]
    return index.length(module, last.value)


@pytest.mark.parametrize(
    ("source", "length"),
    [
        ("V = ['1', '2', '3', '4']\nX = [(a, b) for i, a in enumerate(V) for b in V[i + 1:]]\n", 6),
        ("V = [1, 2, 3]\nX = [(a, b) for a in V for b in V if a != b]\n", 6),
        ("import itertools, operator\nV = 'abc'\nX = itertools.chain.from_iterable([[(x, operator.lt)] for x in V])\n", 3),
        ("D = {'a': 1, 'b': 2, 'c': 3}\nR = frozenset(['a'])\nX = sorted(D.keys() - R)\n", 2),
        ("import pytest\nX = [pytest.param(1, marks=pytest.mark.skip), lambda: 2]\n", 2),
        ("X = {n: n * 2 for n in range(10) if n % 2}\n", 5),
    ],
)
def test_known_lengths(tmp_path: Path, source: str, length: int) -> None:
    assert _length(tmp_path, source) == length


@pytest.mark.parametrize(
    "source",
    [
        "def make():\n    return [1, 2]\nX = make()\n",  # project code is never run
        "import os\nX = os.listdir('.')\n",  # nor anything with effects
        "X = [0] * 10 ** 9\n",  # nor anything huge
        "V = []\nX = V.append(1)\n",  # nor a mutating method
        "f = lambda: [1]\nX = [v for v in f()]\n",
    ],
)
def test_unknowable_or_unsafe_expressions_stay_unknown(tmp_path: Path, source: str) -> None:
    assert _length(tmp_path, source) is None
