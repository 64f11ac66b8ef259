"""PageRank without scipy: the same figures as networkx's own (pure-Python) implementation."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest
from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

from gapfinder.rank.graph import _pagerank

REPO = Path(__file__).resolve().parents[2]


def _real_import_graph() -> nx.DiGraph:
    """The import graph of real code: the Python standard library's top-level modules as installed."""
    import sysconfig

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    names = {p.stem for p in stdlib.glob("*.py")}
    graph = nx.DiGraph()
    for path in sorted(stdlib.glob("*.py")):
        graph.add_node(path.stem)
        try:
            tree = ast.parse(path.read_bytes())
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            targets = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            for target in targets:
                head = target.split(".")[0]
                if head in names and head != path.stem:
                    graph.add_edge(path.stem, head)
    return graph


def test_matches_networkx_on_a_real_import_graph() -> None:
    graph = _real_import_graph()
    assert graph.number_of_nodes() > 150 and graph.number_of_edges() > 500
    ours = _pagerank(graph)
    theirs = _pagerank_python(graph, alpha=0.85, tol=1e-6, max_iter=200)
    assert ours.keys() == theirs.keys()
    for node, value in theirs.items():
        assert ours[node] == pytest.approx(value, rel=1e-6, abs=1e-12), node
    assert sum(ours.values()) == pytest.approx(1.0)


def test_dangling_nodes_and_empty_graphs() -> None:
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("d", "c")])  # c is dangling
    ours = _pagerank(graph)
    theirs = _pagerank_python(graph, alpha=0.85, tol=1e-6, max_iter=200)
    assert ours == pytest.approx(theirs, rel=1e-6)
    assert max(ours, key=ours.get) == "c"
    assert _pagerank(nx.DiGraph()) == {}
    lone = nx.DiGraph()
    lone.add_nodes_from("xy")
    assert _pagerank(lone) == {"x": 0.5, "y": 0.5}
