"""From what a run of the drafts showed to changes of the drafts: assertions that can fail, the
exception the code raised, or an xfail whose reason says what a person must settle.

Observed values become `assert result == <value>` with a note to check them: they record what the
code does today, which is what a characterisation test is for, and a mutant of the code fails them.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, replace
from typing import Mapping

from gapfinder.scaffold import e2e
from gapfinder.scaffold.plans import TestCase
from gapfinder.scaffold.render import OBSERVED

MAX_CALL_ASSERTS = 5
MAX_WRITE_ASSERTS = 4
# a message that names an object by its address (a double's repr) differs from run to run
UNSTABLE_TEXT = re.compile(r"<\w*Mock\b|\bid='?\d{5,}|\b0x[0-9a-fA-F]{6,}")
MAX_OWN_DOUBLES = 3  # helpers of the target's own object a draft replaces, one per run
RAISED_AS = "exc_info"


@dataclass(frozen=True)
class Adjustment:
    """What to change in one drafted test."""

    asserts: tuple[str, ...] = ()
    imports: frozenset = frozenset()  # what the added assertions name
    raises: str | None = None  # the exception a raise statement of the code raised, as an expression
    raises_import: tuple[str, str] | None = None
    raised_asserts: tuple[str, ...] = ()  # what the raised exception carried (`exc_info.value.status_code == 401`)
    no_raise: bool = False  # the draft expected a raise the code did not make
    # drafted assertions a run contradicted (`assert result is repo.get.return_value` where the code
    # wraps the value): they are dropped, and what the next run observes is asserted instead
    contradicted: tuple[str, ...] = ()
    xfail: str | None = None  # why the draft cannot pass as it is
    cannot_fail: str | None = None  # the target no mutant of which made the passing draft fail
    # methods of the target's own object the draft replaces by doubles (name, awaited), and what the
    # test becomes if the code still cannot be reached that way (None once the doubles are settled)
    own_doubles: tuple[tuple[str, bool], ...] = ()
    fallback: Adjustment | None = None

    def apply(self, case: TestCase) -> TestCase:
        if self.xfail is not None:
            mark = f"pytest.mark.xfail(strict=False, reason={self.xfail!r})"
            return replace(case, marks=case.marks + (mark,))
        if self.no_raise:
            case = replace(case, raises=None)
        if self.contradicted:
            case = replace(case, asserts=tuple(a for a in case.asserts if a.strip() not in self.contradicted))
        obj = _object(case) if self.own_doubles else None
        if obj is not None:
            doubles = [(name, "AsyncMock" if awaited else "MagicMock") for name, awaited in self.own_doubles]
            case = replace(case, arrange=case.arrange + tuple(f"{obj}.{name} = {kind}()" for name, kind in doubles),
                           imports=case.imports | {("unittest.mock", kind) for _, kind in doubles})
        if self.raises is not None:  # the drafted assertions were about the path the code did not take
            imports = case.imports | ({self.raises_import} if self.raises_import else set())
            case = replace(case, raises=self.raises, observed_raise=True, imports=frozenset(imports),
                           asserts=self.raised_asserts)
        if self.cannot_fail is not None:  # the line `gapfinder progress` counts (progress.count.CANNOT_FAIL_TODO)
            todo = (f"cannot fail: no mutant of `{self.cannot_fail}` made this test fail; "
                    "assert what the code must do")
            case = replace(case, todos=case.todos + (todo,))
        asserts = case.asserts + self.asserts
        bound = case.raises is not None and any(f"{RAISED_AS}.value" in line for line in asserts)
        return replace(case, asserts=asserts, imports=case.imports | self.imports,
                       raised_as=RAISED_AS if bound else case.raised_as)


def mark_rendered(code: str, adjust: Mapping[str, Adjustment]) -> str:
    """Tests rendered straight from a template (e2e) get their xfail as a decorator line above the def."""
    lines = code.splitlines(keepends=True)
    for index in range(len(lines) - 1, -1, -1):
        match = re.match(r"(async )?def (test_\w+)\(", lines[index])
        settled = adjust.get(match.group(2)) if match else None
        if settled is not None and settled.asserts and not settled.xfail:
            lines[index:] = e2e.apply_status("".join(lines[index:]), match.group(2), settled.asserts[0]).splitlines(
                keepends=True)
        if settled is not None and settled.xfail:
            at = index
            while at > 0 and lines[at - 1].startswith("@pytest.mark.asyncio"):
                at -= 1
            lines.insert(at, f"@pytest.mark.xfail(strict=False, reason={settled.xfail!r})\n")
    return "".join(lines)


def _object(case: TestCase) -> str | None:
    """The variable the test calls its target on (`result = await smtp.noop()` -> smtp)."""
    match = re.match(r"(?:result = )?(?:await )?([A-Za-z_]\w*)\.\w+", case.act[0]) if case.act else None
    return match.group(1) if match and match.group(1) in "\n".join(case.arrange) else None


def settle_own_doubles(case: TestCase, settled: Adjustment, seen: dict | None) -> Adjustment:
    """A draft whose object's own helpers were doubled, after a run: what it observed (returned values,
    the target's own raise) kept with the doubles, one more helper doubled, or the fallback."""
    if seen is None:
        return settled.fallback or Adjustment(xfail="needs a person: it did not run again")
    now = first_run(settled.apply(case), seen)
    done = replace(settled, fallback=None)
    if now is None:
        return done
    if now.own_doubles and len(settled.own_doubles) < MAX_OWN_DOUBLES \
            and now.own_doubles[0][0] not in {n for n, _ in settled.own_doubles}:
        return replace(settled, own_doubles=settled.own_doubles + now.own_doubles)
    if now.raises is not None:
        return replace(done, raises=now.raises, raises_import=now.raises_import, raised_asserts=now.raised_asserts)
    if now.asserts and not now.xfail:
        return replace(done, asserts=now.asserts, imports=now.imports)
    return settled.fallback or now


def first_run(case: TestCase | None, seen: dict | None, name: str = "") -> Adjustment | None:
    """The change a first run suggests for one test; None when it needs none."""
    if seen is None:
        return Adjustment(xfail="it did not run: its file or a fixture failed to import or collect")
    outcome = seen.get("outcome")
    if case is None:  # a test rendered from a template: kept as it is, its observed status, or explained
        status, why = e2e.observed_status(name, seen)
        if status is not None:
            return Adjustment(asserts=(status,))
        return Adjustment(xfail=why or reason(seen)) if outcome in ("failed", "error") else None
    if outcome == "passed":
        asserts, imports = observed_asserts(case, seen)
        return Adjustment(asserts=asserts, imports=imports) if asserts else None
    if outcome not in ("failed", "error"):
        return None
    if case.raises and seen.get("message", "").startswith("DID NOT RAISE"):
        return Adjustment(no_raise=True)
    contradicted = _contradicted(case, seen)
    if contradicted:
        return Adjustment(contradicted=(contradicted,))
    if seen.get("exc_type") == "builtins.NotImplementedError":
        return Adjustment(xfail="needs a person: it reached a method left to subclasses (NotImplementedError); "
                                "test it on a concrete subclass")
    plain = _raised(seen)
    helper = seen.get("own_helper")
    if helper and seen.get("phase") == "call" and not case.raises and _object(case) is not None:
        # the code stopped in a helper of its own object (a client not connected): double the helper
        # and run again, so the test reaches the target's own lines; `plain` if that fails too
        return Adjustment(own_doubles=((helper["name"], bool(helper["async"])),), fallback=plain)
    return plain


def _contradicted(case: TestCase, seen: dict) -> str | None:
    """The drafted assertion the test failed on, when the code itself ran through (the failure is the
    test's own `assert`, not the code's): the draft guessed what the code returns or calls, and the
    run says otherwise."""
    if seen.get("phase") != "call" or seen.get("exc_type") != "builtins.AssertionError" or seen.get("in_target"):
        return None
    line = (seen.get("test_line") or "").strip()
    return line if line and line in {a.strip() for a in case.asserts} else None


def _raised(seen: dict) -> Adjustment:
    """`pytest.raises` for a raise statement of the target file, else an xfail with the reason."""
    if seen.get("phase") == "call" and seen.get("in_target") == "raise":  # also a raise other than the expected
        expression = exception_expression(seen.get("exc_module", ""), seen.get("exc_qualname", ""))
        if expression is not None:
            message = seen.get("message", "")
            pattern = re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", message)
            stable = message and len(message) <= 100 and not UNSTABLE_TEXT.search(message)
            match = f", match={pattern!r}" if stable else ""
            # what the code called before it raised: a mutant that raises the same later calls more
            return Adjustment(raises=expression[0] + match, raises_import=expression[1],
                              raised_asserts=tuple(_carried(seen.get("exc_attrs")) + call_asserts(seen)))
    return Adjustment(xfail=reason(seen))


def reason(seen: dict) -> str:
    """Why a test fails, in words a person can act on."""
    if seen.get("timeout"):
        return "needs a person: it ran longer than the time allowed per test"
    kind = seen.get("exc_type", "").rsplit(".", 1)[-1] or "an error"
    where = {"setup": "a fixture failed", "teardown": "a fixture's teardown failed"}.get(seen.get("phase") or "",
                                                                                          "the code raised")
    message = " ".join(seen.get("message", "").split())[:120]
    return f"needs a person: {where} {kind}" + (f": {message}" if message else "")


def exception_expression(module: str, qualname: str) -> tuple[str, tuple[str, str] | None] | None:
    """(`UserExists`, (`pkg.errors`, `UserExists`)); builtins need no import; local classes cannot be named."""
    if not module or not qualname or "<" in qualname or module.startswith(("_pytest", "__main__")):
        return None
    if module == "builtins":  # `function`, `coroutine` ... are types without a builtin name
        return (qualname, None) if isinstance(getattr(builtins, qualname, None), type) else None
    return qualname, (module, qualname.split(".", 1)[0])


def observed_asserts(case: TestCase, seen: dict) -> tuple[tuple[str, ...], frozenset]:
    """Assertions of what a passing run returned, awaited and called, each marked as observed, and
    the imports they need."""
    lines: list[str] = []
    imports: set = set()
    result = seen.get("result")
    if result is not None and not case.raises and any(line.startswith("result = ") for line in case.act):
        literal, local, path = result.get("literal"), result.get("local"), result.get("path")
        if literal in ("None", "True", "False"):
            lines.append(f"assert result is {literal}  {OBSERVED}")
        elif literal is not None:
            lines.append(f"assert result == {literal}  {OBSERVED}")
        elif local is not None:
            lines.append(f"assert result is {local}  {OBSERVED}")
        elif path is not None:
            lines.append(f"assert result is {path}  {OBSERVED}")
        elif result.get("attrs") or result.get("items") or result.get("length") is not None:
            lines += [_equals(f"result.{name}", value) for name, value in result["attrs"].items()]
            lines += [_equals(f"result[{key}]", value) for key, value in (result.get("items") or {}).items()]
            if result.get("length") is not None and not result.get("items"):
                lines.append(f"assert len(result) == {result['length']}  {OBSERVED}")
        elif not result.get("is_mock"):
            kind = exception_expression(result.get("type_module", ""), result.get("type_qualname", ""))
            if kind is not None:
                lines.append(f"assert isinstance(result, {kind[0]})  {OBSERVED}")
                imports |= {kind[1]} if kind[1] else set()
        if not lines:  # a closure, a double made inside the code ...: that something came back is checkable
            lines.append(f"assert result is not None  {OBSERVED}")
    if case.raises:  # the expected exception: what it carried (an HTTPException's status_code)
        lines += _carried(seen.get("raised_attrs"))
    existing = "\n".join(case.asserts)
    lines += call_asserts(seen, existing)
    lines += _written_asserts(case, seen.get("written") or [], existing + "\n".join(lines))
    return tuple(lines), frozenset(imports)


def call_asserts(seen: dict, existing: str = "") -> list[str]:
    """The calls the code made on the test's doubles (awaited ones first), with their arguments when
    they can be written, else their count; none the test already checks."""
    lines = []
    for call in [c for c in seen.get("awaited") or [] if f"{c['expr']}.assert_" not in existing
                 and f"{c['expr']}.await" not in existing][:MAX_CALL_ASSERTS]:
        expr, verb = call["expr"], "awaited" if call.get("kind", "awaited") == "awaited" else "called"
        if call["count"] == 1 and call.get("args") is not None:
            arguments = [*call["args"], *(f"{k}={v}" for k, v in call["kwargs"].items())]
            lines.append(f"{expr}.assert_{verb}_once_with({', '.join(arguments)})  {OBSERVED}")
        else:
            counter = "await_count" if verb == "awaited" else "call_count"
            lines.append(f"assert {expr}.{counter} == {call['count']}  {OBSERVED}")
    return lines


def _carried(attrs: dict | None) -> list[str]:
    """Assertions of the plain attributes a raised exception carried, on `pytest.raises(...) as exc_info`."""
    return [_equals(f"{RAISED_AS}.value.{name}", value) for name, value in (attrs or {}).items()]


def _equals(expr: str, value: str) -> str:
    """`assert expr == value`, or `is` for the singletons."""
    verb = "is" if value in ("None", "True", "False") else "=="
    return f"assert {expr} {verb} {value}  {OBSERVED}"


def loosened(line: str) -> str | None:
    """An observed assertion whose value changed between runs (a token, a timestamp), made to check
    only what stays: the value's type, or that the call happened once. None: nothing stays."""
    code, _, note = line.partition("  # ")
    note = f"  # {note}" if note else ""
    call = re.fullmatch(r"(\S+)\.assert_(awaited|called)_once_with\(.*\)", code)
    if call:
        return f"{call.group(1)}.assert_{call.group(2)}_once(){note}"
    compared = re.fullmatch(r"assert (.+?) == (.+)", code)
    if compared:
        try:
            kind = type(ast.literal_eval(compared.group(2)))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
        if kind in (str, bytes, int, float, list, dict, tuple, set):
            return f"assert isinstance({compared.group(1)}, {kind.__name__}){note}"
    return None


def _written_asserts(case: TestCase, written: list[dict], existing: str) -> list[str]:
    """Assertions of the values the code wrote: attributes its `self` changed during the call, and
    plain values set on the test's doubles, less those the test's own arrange lines set."""
    arranged = "\n".join(case.arrange)
    lines = []
    for write in written:
        expr, attr = write["expr"], write["expr"].rsplit(".", 1)[-1]
        base = expr.split(".", 1)[0]
        set_by_test = f"{expr} =" in arranged or re.search(  # `user.name = ...` or `user = MagicMock(name=...)`
            rf"^{re.escape(base)}\s*=.*\b{re.escape(attr)}\s*=", arranged, re.MULTILINE)
        if f"{expr} " in existing or (write.get("on") == "double" and set_by_test):
            continue
        if expr.startswith("result.") and not any(line.startswith("result = ") for line in case.act):
            continue
        lines.append(f"assert {expr} is {write['value']}  {OBSERVED}" if write.get("same") else _equals(expr, write["value"]))
        if len(lines) == MAX_WRITE_ASSERTS:
            break
    return lines
