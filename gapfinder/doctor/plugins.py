"""Fixture modules a suite loads as plugins: `pytest_plugins = [...]` in a conftest or a test module.

pytest registers every fixture of such a module for the whole run, so a test requests them by name
with no import in sight; doctor reads them like a conftest's fixtures (the conftest's own win).
"""

from __future__ import annotations

import ast


def plugin_names(tree: ast.Module) -> list[str]:
    """The dotted module names a module's top-level `pytest_plugins` assignment lists (a str or a list/tuple)."""
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        if not any(isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in targets) or node.value is None:
            continue
        values = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else [node.value]
        names += [v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return names
