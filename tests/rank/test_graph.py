"""The import and call graphs: edges in the dependency direction, centrality, resolution."""

from __future__ import annotations

import pytest

from gapfinder.rank.graph import CodeGraph
from gapfinder.model import FunctionInfo, ImportRef, ModuleInfo


def module(name, imports=(), functions=()):
    return ModuleInfo(name, name.replace(".", "/") + ".py", 10, (1,), (), tuple(imports), tuple(functions), (), ())


def fn(qualname, calls=(), line=1):
    return FunctionInfo(qualname, line, line + 5, False, "." in qualname, (), 1, tuple(calls))


def test_imports_point_at_dependencies_and_resolve_submodules():
    graph = CodeGraph([
        module("app"),
        module("app.db"),
        module("app.users", [ImportRef("app", 1, ("db",))]),  # from app import db
        module("app.orders", [ImportRef("app.db.get_session", 1)]),  # import of a name inside app.db
        module("app.typing_only", [ImportRef("app.users", 1, type_checking=True)]),
    ])
    assert graph.importers("app.db") == ["app.orders", "app.users"]
    assert graph.fan_in("app.users") == 0  # TYPE_CHECKING imports are no runtime dependency
    assert graph.fan_out("app.users") == 1
    assert graph.pagerank["app.db"] > graph.pagerank["app.users"]


def test_calls_count_fan_in_across_modules_and_resolve_classes_to_init():
    graph = CodeGraph([
        module("lib", functions=[fn("helper"), fn("Client.__init__", line=10)]),
        module("a", functions=[fn("run", ["lib.helper", "lib.Client", "nowhere.thing"])]),
        module("b", functions=[fn("go", ["lib.helper", "lib.helper"]), fn("go2", ["b.go"])]),
    ])
    assert graph.call_fan_in["lib:helper"] == 2  # one per calling function, not per call site
    assert graph.call_fan_in["lib:Client.__init__"] == 1
    assert graph.module_call_fan_in["lib"] == 3
    assert graph.module_call_fan_in["b"] == 0  # b.go2 -> b.go stays inside b
    assert graph.call_fan_in["b:go"] == 1


def test_betweenness_is_exact_on_small_graphs_and_finds_the_bridge():
    mods = [module("m0")] + [module(f"m{i}", [ImportRef(f"m{i-1}", 1)]) for i in range(1, 6)]
    graph = CodeGraph(mods)
    assert graph.betweenness_note == "exact"
    middle = max(graph.betweenness, key=graph.betweenness.get)
    assert middle in ("m2", "m3")
    assert graph.betweenness["m0"] == 0.0


def test_empty_and_edgeless_graphs():
    assert CodeGraph([]).pagerank == {}
    graph = CodeGraph([module("a"), module("b")])
    assert graph.pagerank == {"a": 0.5, "b": 0.5}
    assert graph.betweenness == {}


def test_centrality_is_cached_by_the_import_edges(tmp_path, monkeypatch):
    import gapfinder.rank.graph as graph_module

    mods = [module("a"), module("b", [ImportRef("a", 1)]), module("c", [ImportRef("a", 1)])]
    first = CodeGraph(mods, tmp_path)
    monkeypatch.setattr(graph_module, "_pagerank", lambda g: pytest.fail("recomputed"))
    again = CodeGraph(mods, tmp_path)
    assert again.pagerank == first.pagerank and again.betweenness_note == first.betweenness_note
    # New edges change the key: computed afresh.
    monkeypatch.undo()
    changed = CodeGraph(mods + [module("d", [ImportRef("b", 1)])], tmp_path)
    assert "d" in changed.pagerank
    (tmp_path / "centrality.json").write_bytes(b"garbage")
    said: list[str] = []
    assert CodeGraph(mods, tmp_path, said.append).pagerank == first.pagerank  # a corrupt cache is recomputed
    assert len(said) == 1 and "centrality.json" in said[0]
    (tmp_path / "centrality.json").write_text('{"key": "k", "value": [{"a": "not a number"}, {}, ""]}')
    assert CodeGraph(mods, tmp_path).pagerank == first.pagerank  # a wrong shape is a miss too
