"""The import graph of modules and the call graph of functions, behind named queries.

networkx is imported here and nowhere else. Edges point in the dependency direction (A -> B when
A imports or calls B), so PageRank and in-degree reward what many others depend on. Exact
betweenness is expensive (its cost per source node grows with the graph), so it is computed
within a time budget: exactly on small graphs, from a sample of sources on middling ones, and not
at all past that — `betweenness_note` says which, for the report.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping, Sequence

import networkx as nx

from gapfinder.model import ModuleInfo

# Measured on 2 cores: one betweenness source costs about (nodes + edges) / 700 ms.
_BETWEENNESS_BUDGET_MS = 1000.0
_MIN_SAMPLE = 16


class CodeGraph:
    """Module and function dependency graphs with the centrality measures the score uses."""

    def __init__(self, modules: Sequence[ModuleInfo]) -> None:
        self._names = {m.module for m in modules}
        self.imports = nx.DiGraph()
        self.imports.add_nodes_from(self._names)
        for info in modules:
            for ref in info.imports:
                if ref.type_checking:
                    continue  # no runtime dependency
                for target in self._resolve_import(ref.target, ref.names):
                    if target != info.module:
                        self.imports.add_edge(info.module, target)
        self._function_owner = _function_index(modules)
        self.call_fan_in: Counter[str] = Counter()  # "module:qualname" -> calls from elsewhere
        self.module_call_fan_in: Counter[str] = Counter()  # module -> calls from other modules
        for info in modules:
            for function in info.functions:
                caller = f"{info.module}:{function.qualname}"
                for call in set(function.calls):
                    callee = self._function_owner.get(call)
                    if callee is None or callee == caller:
                        continue
                    self.call_fan_in[callee] += 1
                    callee_module = callee.partition(":")[0]
                    if callee_module != info.module:
                        self.module_call_fan_in[callee_module] += 1
        self.pagerank = _pagerank(self.imports)
        self.betweenness, self.betweenness_note = _betweenness(self.imports)

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
        return sorted(self.imports.predecessors(module)) if module in self.imports else []

    def fan_in(self, module: str) -> int:
        return self.imports.in_degree(module) if module in self.imports else 0

    def fan_out(self, module: str) -> int:
        return self.imports.out_degree(module) if module in self.imports else 0


def _function_index(modules: Sequence[ModuleInfo]) -> Mapping[str, str]:
    """Dotted name a call may use ("pkg.mod.func", "pkg.mod.Class.method") -> "pkg.mod:qualname".

    A call to a class resolves to its __init__ when the class defines one.
    """
    index: dict[str, str] = {}
    for info in modules:
        for function in info.functions:
            node = f"{info.module}:{function.qualname}"
            index[f"{info.module}.{function.qualname}"] = node
            owner, _, method = function.qualname.rpartition(".")
            if method == "__init__" and owner:
                index[f"{info.module}.{owner}"] = node
    return index


def _pagerank(graph: nx.DiGraph) -> dict[str, float]:
    if graph.number_of_nodes() == 0:
        return {}
    if graph.number_of_edges() == 0:
        share = 1.0 / graph.number_of_nodes()
        return dict.fromkeys(graph.nodes, share)
    return nx.pagerank(graph, alpha=0.85, tol=1e-6, max_iter=200)


def _betweenness(graph: nx.DiGraph) -> tuple[dict[str, float], str]:
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
