"""The import graph of modules and the call graph of functions, behind named queries.

networkx is imported here and nowhere else, and only when centrality must be computed: the
measures depend on nothing but the import edges, so they are cached under .gapfinder/ by a hash
of the edges, and a warm run (nothing imported differently) never loads networkx or scipy.
Edges point in the dependency direction (A -> B when A imports or calls B), so PageRank and
in-degree reward what many others depend on. Exact betweenness is expensive (its cost per
source grows with the graph), so it runs within a time budget: exactly on small graphs, from a
sample of sources on middling ones, and not at all past that — `betweenness_note` says which.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from gapfinder.core import files as cachefile
from gapfinder.model import ModuleInfo

# Measured on 2 cores: one betweenness source costs about (nodes + edges) / 700 ms.
_BETWEENNESS_BUDGET_MS = 1000.0
_MIN_SAMPLE = 16
_CACHE_FILE = "centrality.json"
_CACHE_VERSION = 1
# PageRank as networkx computes it (nx.pagerank's defaults, and its tolerance per node).
_ALPHA = 0.85
_PAGERANK_TOLERANCE = 1e-6
_PAGERANK_ITERATIONS = 200

Centrality = tuple[dict[str, float], dict[str, float], str]  # pagerank, betweenness, note


class CodeGraph:
    """Module and function dependency graphs with the centrality measures the score uses."""

    def __init__(self, modules: Sequence[ModuleInfo], cache_dir: Path | None = None,
                 on_bad_cache: Callable[[str], None] | None = None) -> None:
        # Local names and plain dicts in the loops: 70,000 imports and 150,000 functions' calls.
        names = self._names = {m.module for m in modules}
        importers: dict[str, set[str]] = {name: set() for name in names}
        imported: dict[str, set[str]] = {name: set() for name in names}
        self._importers, self._imported = importers, imported
        resolve = self._resolve_import
        for info in modules:
            module = info.module
            uses = imported[module]
            for ref in info.imports:
                if ref.type_checking:
                    continue  # no runtime dependency
                for target in resolve(ref.target, ref.names):
                    if target != module:
                        uses.add(target)
                        importers[target].add(module)
        owner = function_index(modules)  # not kept: 150,000 entries no query needs afterwards
        # Each calling function's distinct callees, counted at the end by Counter's C loop.
        callees: list[str] = []  # "module:qualname" once per calling function
        from_elsewhere: list[str] = []  # a callee's module once per calling function of another module
        lookup = owner.get
        for info in modules:
            here = f"{info.module}:"
            for function in info.functions:
                if not function.calls:
                    continue
                caller = here + function.qualname
                for callee in map(lookup, set(function.calls)):
                    if callee is None or callee == caller:
                        continue
                    callees.append(callee)
                    if not callee.startswith(here):
                        from_elsewhere.append(callee.partition(":")[0])
        self.call_fan_in: Counter[str] = Counter(callees)
        self.module_call_fan_in: Counter[str] = Counter(from_elsewhere)
        self.pagerank, self.betweenness, self.betweenness_note = _centrality(
            sorted(self._names), self._imported, cache_dir, on_bad_cache
        )

    def _resolve_import(self, target: str, names: tuple[str, ...]) -> Iterable[str]:
        """Modules an import statement really depends on: `from pkg import sub` names pkg.sub."""
        found = False
        for name in names:
            candidate = f"{target}.{name}"
            if candidate in self._names:
                found = True
                yield candidate
        if found:
            return
        while target:
            if target in self._names:
                yield target
                return
            target = target.rpartition(".")[0]

    def importers(self, module: str) -> list[str]:
        """Modules that import `module`."""
        return sorted(self._importers.get(module, ()))

    def fan_in(self, module: str) -> int:
        return len(self._importers.get(module, ()))

    def fan_out(self, module: str) -> int:
        return len(self._imported.get(module, ()))


def function_index(modules: Sequence[ModuleInfo]) -> Mapping[str, str]:
    """Dotted name a call may use ("pkg.mod.func", "pkg.mod.Class.method") -> "pkg.mod:qualname".

    A call to a class resolves to its __init__ when the class defines one.
    """
    index: dict[str, str] = {}
    for info in modules:
        dotted, node = f"{info.module}.", f"{info.module}:"
        for function in info.functions:
            qualname = function.qualname
            index[dotted + qualname] = node + qualname
            if qualname.endswith(".__init__") and len(qualname) > 9:  # "Class.__init__": a call to Class
                index[dotted + qualname[:-9]] = node + qualname
    return index


def _centrality(nodes: list[str], edges: Mapping[str, set[str]], cache_dir: Path | None,
                on_bad_cache: Callable[[str], None] | None) -> Centrality:
    """PageRank and betweenness of the import graph, from the cache when the edges are unchanged."""
    digest = hashlib.sha256(f"{_CACHE_VERSION}".encode())
    for node in nodes:
        digest.update(node.encode() + b"\0" + "\0".join(sorted(edges[node])).encode() + b"\n")
    key = digest.hexdigest()
    cache = cache_dir / _CACHE_FILE if cache_dir is not None else None
    value = cachefile.load(cache, key, _centrality_from_data, on_bad_cache)
    if value is not None:
        return value
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((a, b) for a in nodes for b in edges[a])
    value = (_pagerank(graph), *_betweenness(graph))
    cachefile.store(cache, key, list(value))
    return value


def _centrality_from_data(data: object) -> Centrality:
    pagerank, betweenness, note = data  # type: ignore[misc]
    for table in (pagerank, betweenness):
        if not isinstance(table, dict) or not all(isinstance(v, (int, float)) for v in table.values()):
            raise ValueError("centrality tables must map names to numbers")
    if not isinstance(note, str):
        raise ValueError("the betweenness note must be text")
    return pagerank, betweenness, note


def _pagerank(graph) -> dict[str, float]:
    """networkx's PageRank (alpha 0.85, uniform teleport, dangling nodes spread evenly), by power
    iteration in numpy: networkx's own version needs scipy, 143 MB of install for this one call.
    numpy is imported here, as networkx is, so that a run answered from the caches never loads it."""
    import numpy as np

    nodes = list(graph.nodes)
    count = len(nodes)
    if count == 0:
        return {}
    if graph.number_of_edges() == 0:
        return dict.fromkeys(nodes, 1.0 / count)
    index = {node: i for i, node in enumerate(nodes)}
    source = np.fromiter((index[a] for a, _ in graph.edges), dtype=np.intp)
    target = np.fromiter((index[b] for _, b in graph.edges), dtype=np.intp)
    out_degree = np.bincount(source, minlength=count).astype(float)
    dangling = out_degree == 0
    share = np.divide(1.0, out_degree, out=np.zeros(count), where=~dangling)[source]
    teleport = np.full(count, 1.0 / count)
    rank = teleport.copy()
    for _ in range(_PAGERANK_ITERATIONS):
        previous = rank
        spread = np.bincount(target, weights=previous[source] * share, minlength=count)
        rank = _ALPHA * (spread + previous[dangling].sum() * teleport) + (1 - _ALPHA) * teleport
        if np.abs(rank - previous).sum() < count * _PAGERANK_TOLERANCE:
            break
    return dict(zip(nodes, map(float, rank)))


def _betweenness(graph) -> tuple[dict[str, float], str]:
    import networkx as nx

    nodes = graph.number_of_nodes()
    if nodes < 3 or graph.number_of_edges() == 0:
        return {}, "not needed (no paths)"
    cost_ms = (nodes + graph.number_of_edges()) / 700.0
    affordable = int(_BETWEENNESS_BUDGET_MS / cost_ms)
    if affordable >= nodes:
        return nx.betweenness_centrality(graph), "exact"
    if affordable < _MIN_SAMPLE:
        return {}, f"skipped: {nodes} modules is past the time budget"
    return nx.betweenness_centrality(graph, k=affordable, seed=0), f"sampled from {affordable} of {nodes} modules"
