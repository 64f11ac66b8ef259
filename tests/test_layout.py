"""The floor plan holds: few top-level modules, the import-linter layers, and no import cycles."""

from __future__ import annotations

import ast
import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx

from gapfinder.config import OPTIONS, Config

PACKAGE = Path(__file__).resolve().parent.parent / "gapfinder"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> nx.DiGraph:
    """Every import statement between gapfinder's modules, at any depth (inside functions too)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                    base = ".".join(parts + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and target.startswith("gapfinder"):
                    graph.add_edge(name, target)
    return graph


def test_no_import_cycles() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(_import_graph()) if len(c) > 1]
    assert cycles == []


def test_the_graph_sees_imports_inside_functions() -> None:
    """The cycle check is only worth something if it reads the imports a lazy function makes."""
    graph = _import_graph()
    assert graph.has_edge("gapfinder.cli", "gapfinder.reports.scaffold")  # imported inside `scaffold`
    assert graph.has_edge("gapfinder.api", "gapfinder.rank.pipeline")


def test_at_most_eight_top_level_modules() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


def test_import_linter_contracts_hold() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    done = subprocess.run([command, "--config", str(PACKAGE.parent / "pyproject.toml")], capture_output=True,
                          text=True, cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 broken" in done.stdout


def test_config_has_one_typed_field_per_option() -> None:
    fields = [f.name for f in dataclasses.fields(Config)]
    assert fields[: len(OPTIONS)] == [o.name for o in OPTIONS]
    assert fields[len(OPTIONS):] == ["source_file"]


def test_every_package_ships_in_the_wheel() -> None:
    """pyproject.toml lists the packages by hand: a new subpackage missing there works in an editable
    install and is absent from a real one."""
    from gapfinder.config import parse_toml

    root = PACKAGE.parent
    listed = set(parse_toml((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(root).parts) for p in PACKAGE.rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
