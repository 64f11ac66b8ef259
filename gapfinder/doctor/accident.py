"""GF110: a test whose only check is `assert_called*` on a double the code awaits.

GF105 says such an assertion is weaker than `assert_awaited*`. When it is the test's only check the
test passes by accident: it stays green if the code forgets the `await`, and nothing else it asserts
would notice. The finding replaces GF105 at the same assertion line and keeps its fix.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace

from gapfinder.core.scopes import walked
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.doctor.model import Finding
from gapfinder.doctor.values import ASSERT_CALLED, Shared

# calls that check something: unittest's assert*/fail*, pytest.raises/warns/fail, helpers named like checks
CHECKS = re.compile(r"^(assert|check|verify|expect|fail|raises|warns|deprecated_call)", re.IGNORECASE)


def only_called_checks(func: FunctionNode) -> bool:
    """True when the test checks something and every check is an `assert_called*` call on a double."""
    called = other = 0
    for node in walked(func):
        if isinstance(node, ast.Assert):
            other += 1
        elif isinstance(node, ast.Call):
            name = dotted(node.func) or (node.func.attr if isinstance(node.func, ast.Attribute) else "")
            last = name.rsplit(".", 1)[-1]
            if last in ASSERT_CALLED and isinstance(node.func, ast.Attribute):
                called += 1
            elif CHECKS.match(last) or last.startswith("snapshot"):
                other += 1
    return called > 0 and other == 0


def only_check_findings(func: FunctionNode, shared: Shared, findings: list[Finding], path: str) -> list[Finding]:
    """GF105 findings on the test's own assertions become GF110 when those assertions are all it checks."""
    if not only_called_checks(func):
        return findings
    end = func.end_lineno or func.lineno
    doubles = {(p, attr.lineno, attr.col_offset): node for node, attr, p in shared.asserts}
    out = []
    for finding in findings:
        node = doubles.get((finding.path, finding.line, finding.col))
        if finding.code != "GF105" or node is None or finding.path != path or not func.lineno <= finding.line <= end:
            out.append(finding)
            continue
        attr = next(a for n, a, p in shared.asserts if n is node and (p, a.lineno, a.col_offset) ==
                    (finding.path, finding.line, finding.col))
        label = ast.unparse(attr.value)  # as the test writes it (a fixture's double has no name of its own)
        built = f"{node.path}:{node.line}" if node.path and node.line else "the test"
        evidence = re.search(r" \[[^\[\]]*\]$", finding.message)
        out.append(replace(finding, code="GF110", message=(
            f"this test checks nothing but `assert_called*`, and the code awaits `{label}` (double at {built}): "
            f"`{attr.attr}` passes even if the code never awaits it, so the test would stay green; use "
            f"`{ASSERT_CALLED[attr.attr]}`" + (evidence.group(0) if evidence else ""))))
    return out
