"""GF107's exception: a patched scheduler that is only ever handed what another double returned.

`create_task(_request_members(...))` with `_request_members` patched by a MagicMock hands the
scheduler a MagicMock, not a coroutine: nothing is dropped, so a patched create_task there is fine.
"""

from __future__ import annotations

import ast

from gapfinder.core.symbols import dotted
from gapfinder.doctor.values import Shared


def hands_over_doubles(shared: Shared, target: str) -> bool:
    """True when every call of the scheduler in the code the test calls gets, as its first argument,
    the call of a name the test replaced with a synchronous double (an AsyncMock's call is a coroutine)."""
    name = target.rsplit(".", 1)[-1]
    kinds: dict[str, set[str]] = {}
    for node, _, patched in shared.patched:
        kinds.setdefault(patched, set()).add(node.kind)
    for node, _, _ in shared.pairs:
        if node.label:
            kinds.setdefault(node.label.rsplit(".", 1)[-1], set()).add(node.kind)
    for node, _, scheduler, _ in shared.schedulers:  # `t = create_task(...)` patched too: `wait_for(t)` gets a mock
        kinds.setdefault(scheduler.rsplit(".", 1)[-1], set()).add(node.kind)
    others = {s.rsplit(".", 1)[-1] for _, _, s, _ in shared.schedulers} - {name}
    sites = 0
    for _, func, _, replaced in shared.called:
        bound = {t.id: stmt.value for stmt in ast.walk(func) if isinstance(stmt, ast.Assign)
                 and isinstance(stmt.value, ast.Call) for t in stmt.targets if isinstance(t, ast.Name)}
        for call in ast.walk(func):
            if not (isinstance(call, ast.Call) and call.args and (dotted(call.func) or "").rsplit(".", 1)[-1] == name):
                continue
            sites += 1
            arg = call.args[0]
            arg = bound.get(arg.id, arg) if isinstance(arg, ast.Name) else arg
            callee = (dotted(arg.func) or "").rsplit(".", 1)[-1] if isinstance(arg, ast.Call) else ""
            if callee not in replaced | others or not kinds.get(callee) or kinds[callee] & {"async", "spec"}:
                return False
    if sites:
        return True
    # the test's entry call was not followed (an object built by a helper): a scheduler call in a module
    # whose coroutine producer the test patched there with a synchronous double is the one it meant
    for node, module, patched in shared.patched:
        if node.kind in ("magic", "mock") and any(
                isinstance(call, ast.Call) and call.args and (dotted(call.func) or "").rsplit(".", 1)[-1] == name
                and isinstance(call.args[0], ast.Call) and (dotted(call.args[0].func) or "") == patched
                for call in ast.walk(module.model.tree)):
            return True
    return False
