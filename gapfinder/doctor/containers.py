"""How the code reaches a double stored inside an object the test built: through a property that returns
the field, out of a dict field (`self.clients.get(phone)`, `[phone]`, `.values()`, `.items()`), and inside
the methods it calls on such an object (`session.resolve(peer)` using `self._client`).

The test side of the link is in evaluate.py/links.py (fields set by constructors and by hand, dict literals
whose values are doubles or objects); this module reads the code's side from the usage trees.
"""

from __future__ import annotations

import ast

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import merge
from gapfinder.core.usage.tree import UsageTree
from gapfinder.doctor.values import Instance, where


def field_use(owner: Instance, tree: UsageTree, name: str) -> UsageTree | None:
    """The use of field `name`: `self.name`, and each property of the class whose body is `return self.name`."""
    uses = [tree.attrs[name]] if name in tree.attrs else []
    for prop, returned in properties(owner).items():
        if returned == name and prop in tree.attrs:
            uses.append(tree.attrs[prop])
    return (uses[0] if len(uses) == 1 else merge(uses)) if uses else None


def properties(owner: Instance) -> dict[str, str]:
    """`@property def raw(self): return self._raw` -> {"raw": "_raw"} (plain one-line getters only)."""
    found = {}
    for method in owner.module.model.methods(owner.cls).values():
        if any(dotted(d) == "property" for d in method.decorator_list):
            body = [s for s in method.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            if len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Attribute) \
                    and dotted(body[0].value.value) == "self":
                found[method.name] = body[0].value.attr
    return found


def entry_uses(tree: UsageTree) -> list[UsageTree]:
    """The uses of one value of a dict the code reads: `d[k]`, `d.get(k)`, `d.pop(k)`, `d.values()` items,
    `d.items()` pairs' second element."""
    found = [tree.item] if tree.item is not None else []
    for method in ("get", "pop", "setdefault"):
        call = tree.attrs[method].call if method in tree.attrs else None
        if call is not None:
            found.append(call)
    values = tree.attrs["values"].call if "values" in tree.attrs else None
    if values is not None and values.iter_item is not None:
        found.append(values.iter_item)
    items = tree.attrs["items"].call if "items" in tree.attrs else None
    if items is not None and items.iter_item is not None and len(items.iter_item.elements) == 2:
        found.append(items.iter_item.elements[1])
    return found


def method_uses(owner: Instance, tree: UsageTree) -> list[tuple[UsageTree, str]]:
    """For each method of the object's class the code calls on it (`session.fetch_me()`), how that method
    uses `self`, with where the method is."""
    found = []
    methods = owner.module.model.methods(owner.cls)
    for name, use in tree.attrs.items():
        method = methods.get(name)
        if method is None or (use.call is None and use.awaited_call is None) or name.startswith("__") \
                or name in owner.fields:  # a method the test replaced on the object does not run
            continue
        found.append((owner.module.usage(method, owner.cls, ["self"])["self"], where(owner.module, method)))
    return found
