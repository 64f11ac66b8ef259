"""Usage trees -> the unit tests of one function or method: Arrange, Act and Assert as code lines.

Patches go where a name is looked up (`patch("pkg.mod.name")`); the main path picks values that keep
raising guards false; cheap branch outcomes (a None result, a caught exception) get a test each.
What cannot be inferred becomes a `# TODO(gapfinder): ...` line.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from functools import cached_property

from gapfinder.scaffold.exprs import Resolver
from gapfinder.scaffold.guards import checked_types, needed_options
from gapfinder.scaffold.mocks import CaseState, Doubles, Import, Override, is_scalar, scalar_value, walk
from gapfinder.core.usage.module import ModuleModel
from gapfinder.scaffold.source_facts import (
    always_raises, data_attributes, dict_attributes, endless, exception_names, frozen_dataclass,
    optional_attributes, single_return, starts_tasks, unwrap_mapped,
)
from gapfinder.scaffold.target import Target, does_nothing, is_abstract, raises_not_implemented
from gapfinder.core.scopes import yields
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.tree import CallSite, UsageTree
from gapfinder.core.usage.walker import helper_lookup, infer_usage
from gapfinder.scaffold.values import Namer, annotation_class, is_stdlib, regex_example, scalar_literal, snake

# Third-party modules whose clients reach the network or a service: patched even when used sync.
IO_MODULES = frozenset({"httpx", "requests", "aiohttp", "redis", "boto3", "smtplib", "websockets", "urllib"})
NEVER_PATCHED = frozenset({"asyncio", "typing", "dataclasses", "logging", "json", "re", "os", "time"})
MAX_BRANCH_TESTS = 4

@dataclass(frozen=True)
class TestCase:
    """One generated test: everything the template needs, already as code lines."""

    name: str
    is_async: bool
    arrange: tuple[str, ...]
    patches: tuple[tuple[str, str], ...]  # (patch target, mock variable)
    act: tuple[str, ...]
    raises: str | None  # exception expression for pytest.raises
    asserts: tuple[str, ...]
    todos: tuple[str, ...]
    imports: frozenset[Import]
    fixtures: tuple[str, ...] = ()  # pytest fixtures the test takes
    target: str = ""  # qualname of the function or method under test
    marks: tuple[str, ...] = ()  # decorators after @pytest.mark.scaffold, e.g. an xfail with its reason
    observed_raise: bool = False  # `raises` was seen on a run, not inferred from the code
    raised_as: str = ""  # the name `pytest.raises(...) as <name>` binds, for assertions on the exception


FIRST_ITEMS = 2  # items a test takes from a generator that never ends


def plan_target(model: ModuleModel, target: Target, resolver: Resolver) -> tuple[TestCase, ...]:
    """The unit tests for one function or method: the main path plus cheap branch outcomes."""
    planner = Planner(model, target, resolver)
    cases = [planner.case(None, expected=always_raises(target.node, resolver))]
    for override, label, expected in planner.branches()[:MAX_BRANCH_TESTS]:
        cases.append(planner.case(override, label, expected))
    for attr, key in planner.stored_keys()[:1]:
        cases.append(planner.case(None, f"{key}_is_stored", stored=(attr, key)))
    return tuple(cases)


class Planner:
    def __init__(self, model: ModuleModel, target: Target, resolver: Resolver) -> None:
        self.model, self.target, self.resolver = model, target, resolver
        node = target.node
        self.params = [a for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
        if target.kind in ("method", "classmethod", "property"):
            self.params = self.params[1:]
        defaults = [None] * (len(node.args.posonlyargs + node.args.args) - len(node.args.defaults))
        defaults += list(node.args.defaults)
        if target.kind in ("method", "classmethod", "property"):
            defaults = defaults[1:]
        self.defaults = dict(zip([a.arg for a in self.params], defaults + list(node.args.kw_defaults)))
        self.methods = model.methods(target.cls) if target.cls is not None else {}
        # hooks left to subclasses are doubled on the instance, not followed into their `raise`; one
        # that does nothing yet (`on_after_register`) too: that the code calls it is what a test can see
        self.hooks = {n for n, m in self.methods.items()
                      if is_abstract(m) or raises_not_implemented(m) or (n != target.name and does_nothing(m))}
        module_names = set(model.imports) | model.assigned
        self.patchable_functions = {
            name for name, func in model.functions.items()
            if not name.startswith("_") and isinstance(func, ast.FunctionDef) and name != target.name
        }
        roots = {a.arg for a in self.params} | module_names | self.patchable_functions | {"self"}
        helpers = {name: f for name, f in model.functions.items()
                   if name not in self.patchable_functions and name != target.name}
        methods = {n: m for n, m in self.methods.items() if n not in self.hooks}
        self.usage = infer_usage(node, roots, helper_lookup(helpers, methods), model.constants())
        self.passed = _passed_names(self.usage.values())
        self.reassigned = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        self.data_attrs = data_attributes(self.methods.get("__init__"))
        self.optional_attrs = optional_attributes(self.methods.get("__init__"))
        self.dict_attrs = dict_attributes(self.methods.get("__init__"))

    # --- which names get doubles ---------------------------------------------------------------

    def given_params(self) -> list[ast.arg]:
        """Parameters the test passes: required ones, FastAPI `Depends(...)` ones, async collaborators."""
        given = []
        for arg in self.params:
            default = self.defaults.get(arg.arg)
            tree = self.usage[arg.arg]
            if default is None or isinstance(default, ast.Call) or tree.is_async:
                given.append(arg)
        return given

    def is_double(self, arg: ast.arg) -> bool:
        tree = self.usage[arg.arg]
        if tree.is_async:
            return True
        if self.resolver.data_instance(arg.annotation) is not None:
            return False
        return not (self.matching_string(tree) or scalar_literal(arg.annotation, arg.arg, tree) or is_scalar(tree))

    def self_doubles(self) -> dict[str, UsageTree]:
        if self.target.kind != "method" and self.target.kind != "property":
            return {}
        cls = self.target.cls
        skip = (set(self.model.class_attributes(cls)) - self.hooks) | self.data_attrs | set(self.fields) if cls else set()
        # an optional collaborator the code only tests or hands on (`if self.sock is not None`) keeps
        # the constructor's None: a double would take every such branch at once
        skip |= {name for name in self.optional_attrs if _value_only(self.usage["self"].attrs.get(name))}
        return {name: tree for name, tree in self.usage["self"].attrs.items()
                if name not in skip and not (name.startswith("__") and name.endswith("__"))}

    @property
    def fields(self) -> dict[str, str]:
        """Annotated class fields the method reads that take a plain value: {name: literal}."""
        if self.target.cls is None:
            return {}
        used = self.usage["self"].attrs
        found = {}
        for stmt in self.target.cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id in used:
                literal = scalar_literal(unwrap_mapped(stmt.annotation), stmt.target.id)
                if literal is not None and not literal[1]:
                    found[stmt.target.id] = literal[0]
        return found

    @cached_property
    def patched(self) -> dict[str, UsageTree]:
        """Module-level names to patch where they are looked up: `{"pkg.mod.name": tree}`."""
        found: dict[str, UsageTree] = {}
        for name, tree in self.usage.items():
            if not tree.used or name == "self" or name in self.defaults:
                continue
            origin = self.model.imports.get(name)
            top = (origin[0] if origin else "").split(".", 1)[0]
            if top in NEVER_PATCHED:
                continue
            target = f"{self.model.module}.{name}"
            if name in self.patchable_functions:
                if name in self.passed:
                    found[target] = tree
            elif origin is not None and origin[1] is None and not self.model.is_project(name):
                for attr, child in tree.attrs.items():  # a third-party module: patch its attributes
                    if (child.is_async or (top in IO_MODULES and (child.call or child.awaited_call))
                            or (not is_stdlib(top) and _guarded(child))):
                        found[f"{target}.{attr}"] = child
            elif origin is not None and (origin[1] is None or self.resolver.is_module(".".join(origin))):
                for attr, child in tree.attrs.items():  # a project module: patch what it calls there
                    if (child.is_async or (child.call and not self.resolver.is_pure(f"{name}.{attr}"))) \
                            and f"{name}.{attr}" not in self.exceptions:
                        found[f"{target}.{attr}"] = child
            elif tree.is_async or top in IO_MODULES or (origin and not is_stdlib(top) and _guarded(tree)):
                found[target] = tree
            elif (self.model.is_project(name) and tree.call is not None and name not in self.exceptions
                  and not self.resolver.is_pure(name)):
                found[target] = tree  # another module's function or class: a collaborator
            elif (origin is not None and any(c.call is not None for c in tree.attrs.values())
                  and self.resolver.is_built_object(name)):
                found[target] = tree  # an object another module builds at import (a session, a client)
        return found

    @cached_property
    def exceptions(self) -> set[str]:
        """Names the module raises, catches or checks with isinstance: never patched."""
        return exception_names(self.model.tree)

    def matching_string(self, tree: UsageTree) -> tuple[str, tuple[()]] | None:
        """A string a module-level regex accepts, when the value (or its .lower() ...) is matched."""
        regexes = self.model.regexes()
        for _, node in walk([("", tree)]):
            for callee in node.passed_to:
                name, _, method = callee.rpartition(".")
                if name in regexes and method in ("match", "fullmatch", "search"):
                    example = regex_example(regexes[name])
                    if example is not None:
                        return json.dumps(example), ()
        return None

    def made_by_module(self, arg: ast.arg) -> tuple[str, tuple] | None:
        """A token or password hash made by the module's own function (`create_access_token(...)`,
        `get_password_hash(...)`): a placeholder string fails the code's own decoding or checking."""
        names = scalar_literal(arg.annotation, arg.arg)
        if names is None or not names[0].startswith('"') or arg.arg == "token_type":
            return None
        name = arg.arg.lower()
        if "hash" in name:
            wanted, avoid = re.compile(r"hash"), re.compile(r"verify|check|needs|rehash")
            given = '"correct-horse-battery-staple"'  # what a parameter named like a password gets, to match
        elif re.search(r"(^|_)(access_|refresh_)?token$", name) or name == "jwt":
            wanted = re.compile(r"(create|encode|make|generate).*(token|jwt)|(token|jwt).*(create|encode)")
            avoid = re.compile("refresh" if "refresh" not in name else "access")
            given = None
        else:
            return None
        for fname, func in sorted(self.model.functions.items(), key=lambda f: avoid.search(f[0]) is not None):
            if (fname == self.target.name or fname.startswith("_") or not wanted.search(fname) or avoid.search(fname)
                    or f"{self.model.module}.{fname}" in self.patched):  # a double in this test: no real value
                continue
            if isinstance(func, ast.AsyncFunctionDef) and not self.target.is_async:
                continue
            args = func.args
            positional = args.posonlyargs + args.args
            required = positional[: len(positional) - len(args.defaults)]
            required += [a for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
            parts, imports = [], set()
            for needed in required:
                value = scalar_literal(needed.annotation, needed.arg) or (
                    ('"user@example.com"', ()) if needed.annotation is None else None)
                if value is None:
                    break
                value = (given if given and len(required) == 1 else value[0]), value[1]
                parts.append(value[0] if needed in args.posonlyargs else f"{needed.arg}={value[0]}")
                imports |= set(value[1])
            else:
                call = f"{'await ' if isinstance(func, ast.AsyncFunctionDef) else ''}{fname}({', '.join(parts)})"
                return call, tuple(imports | {(self.model.module, fname)})
        return None

    # --- branch outcomes ------------------------------------------------------------------------

    def branches(self) -> list[tuple[Override, str, str | None]]:
        """(override, label, expected exception) for None results and exceptions caught around calls."""
        found: list[tuple[Override, str, str | None]] = []
        roots = [(p.arg, self.usage[p.arg]) for p in self.given_params() if self.is_double(p)]
        roots += list(self.self_doubles().items()) + [(t.rsplit(".", 1)[-1], tr) for t, tr in self.patched.items()]
        patched = {id(t) for t in self.patched.values()}
        seen: set[int] = set()
        for label, tree in walk(roots):
            if id(tree) in seen or tree is self.usage.get("self"):
                continue
            seen.add(id(tree))
            if tree.none_checks and label not in self.defaults:
                raised = next((n for n in tree.none_checks if n), None)
                found.append((Override(tree, none=True), f"{label}_is_none", self.resolver.exception(raised)))
            if tree.awaited_call is None and id(tree) not in patched:
                continue  # only awaited calls and patched callables fail on request
            for site in tree.calls[:1]:
                for caught, raised in site.handlers[:1]:
                    exc = self.resolver.constructible(caught)
                    if exc is None:
                        continue
                    expected = self.resolver.exception(caught if raised == "" else raised) if raised is not None else None
                    found.append((Override(tree, raises=exc), f"{label}_raises", expected))
        return found

    def stored_keys(self) -> list[tuple[str, str]]:
        """(attribute, parameter) where the method looks a parameter up in a dict its object builds
        empty (`self._sessions.get(session_id)`, `.pop(key)`) and only hands the entry on: on a new
        object the lookup always misses, so a second test stores an entry under that key first."""
        if self.target.kind != "method":
            return []
        given = {a.arg for a in self.given_params()} - self.reassigned
        found = []
        for attr, tree in self.usage["self"].attrs.items():
            if attr not in self.dict_attrs:
                continue
            for method in ("get", "pop"):
                looked = tree.attrs.get(method)
                for site in looked.calls if looked is not None else ():
                    key = site.args[0] if site.args else None
                    if isinstance(key, ast.Name) and key.id in given and (
                            looked.call is None or looked.call.returned or _value_only(looked.call)):
                        found.append((attr, key.id))
        return list(dict.fromkeys(found))

    # --- building one test ------------------------------------------------------------------------

    @property
    def local_name(self) -> str:
        """The name a function under test has in its test module: a product function named `test*`
        (a route `test_token`) imported as is would be collected and run by pytest as a test."""
        if self.target.cls is not None:
            return self.target.cls.name
        name = self.target.name
        return f"_{name}" if name.startswith("test") else name

    def case(self, override: Override | None, label: str = "", expected: str | None = None,
             stored: tuple[str, str] | None = None) -> TestCase:
        subject = self.target.cls.name if self.target.cls is not None else self.target.name
        local = self.local_name
        taken = {subject, local, "result", "pytest"} | {a.arg for a in self.params}
        case = CaseState(Namer(taken))
        case.imports.add((self.model.module, subject if local == subject else f"{subject} as {local}"))
        builder = Doubles(case, override, self.resolver)
        call_args: list[str] = []
        for arg in self.given_params():
            tree = self.usage[arg.arg]
            made = self.made_by_module(arg)
            if made is not None:  # the function's name stays free in the test
                case.namer.taken.add(made[0].removeprefix("await ").split("(", 1)[0])
            literal = (made or self.matching_string(tree)
                       or scalar_literal(arg.annotation, arg.arg, tree))
            if literal is None and is_scalar(tree):
                literal = (str(scalar_value(tree)), ())
            data = None if literal is not None or tree.is_async else self.resolver.data_instance(arg.annotation)
            if data is not None:
                case.lines.append(f"{arg.arg} = {data[0]}")
                case.imports.update(data[1])
            elif literal is not None and not tree.is_async:
                case.lines.append(f"{arg.arg} = {literal[0]}")
                case.imports.update(literal[1])
            else:
                builder.root(arg.arg, tree, self.resolver.autospec(arg.annotation, tree))
            call_args.append(arg.arg if arg in self.target.node.args.posonlyargs else f"{arg.arg}={arg.arg}")
        patches = []
        for target, tree in self.patched.items():
            var = case.namer(target.rsplit(".", 1)[-1])
            builder.root(var, tree, None)
            patches.append((target, var))
        act = self.act(case, builder, call_args, stored)
        asserts = [] if override is not None or expected else self.asserts(case, builder)
        if stored is not None or (override is not None and expected is None):
            case.todos.append(f"assert the outcome when {label.replace('_', ' ')}")
        elif override is None:
            case.todos.append("assert the domain outcome: what `result` should be, what changed")
        name = snake(self.target.qualname.replace(".", "_"))
        return TestCase(
            name=f"test_{name}" + (f"_when_{label}" if label else ""),
            is_async=self.target.is_async or starts_tasks(self.target.node) or self.constructor_needs_loop()
            or any("asyncio.get_running_loop" in line for line in case.lines),
            arrange=tuple(case.lines), patches=tuple(patches), act=tuple(act), raises=expected,
            asserts=tuple(asserts), todos=tuple(case.todos), imports=frozenset(case.imports),
            fixtures=("tmp_path",) if any("tmp_path" in line for line in case.lines) else (),
            target=self.target.qualname,
        )

    def act(self, case: CaseState, builder: Doubles, call_args: list[str],
            stored: tuple[str, str] | None = None) -> list[str]:
        target = self.target
        args = ", ".join(call_args)
        if target.cls is None:
            call = f"{self.local_name}({args})"
        elif target.kind in ("classmethod", "staticmethod"):
            call = f"{target.cls.name}.{target.name}({args})"
        else:
            obj = case.namer(snake(target.cls.name))
            frozen = frozen_dataclass(target.cls)
            if frozen:  # its fields cannot be assigned: they go to the constructor
                given = {attr: builder.value(tree, attr, root=True) for attr, tree in self.self_doubles().items()
                         if attr in frozen}
                given |= {attr: literal for attr, literal in self.fields.items() if attr in frozen}
                made = self.construct(case, given)
            else:
                made = self.construct(case)
            around = [f"patch.object({target.cls.name}, '__abstractmethods__', frozenset())"] \
                if self.abstract_bases() else []  # an ABC's own methods, tested without a subclass
            around += [f'patch("{self.model.module}.{name}")' for name in self.constructor_io()]
            if around:
                case.imports.add(("unittest.mock", "patch"))
                case.lines += [f"with {', '.join(around)}:", f"    {obj} = {made}"]
            else:
                case.lines.append(f"{obj} = {made}")
            if not frozen:
                for attr, tree in self.self_doubles().items():
                    case.lines.append(f"{obj}.{self.backing(attr)} = {builder.value(tree, attr, root=True)}")
                for attr, literal in self.fields.items():
                    case.lines.append(f"{obj}.{attr} = {literal}")
            if stored is not None:  # an entry under the key the test passes, so the lookup finds it
                entry = case.namer("stored")
                case.imports.add(("unittest.mock", "MagicMock"))
                case.lines += [f"{entry} = MagicMock()", f"{obj}.{stored[0]}[{stored[1]}] = {entry}"]
            call = f"{obj}.{target.name}" if target.kind == "property" else f"{obj}.{target.name}({args})"
        if any((ast.unparse(d).endswith("contextmanager")) for d in target.node.decorator_list):
            return [f"{'async with' if target.is_async else 'with'} {call} as result:", "    pass"]
        if endless(target.node):  # a generator that never ends: the first items, then close it
            items = case.namer("items")
            if target.is_async:
                return [f"{items} = {call}", f"result = [await {items}.__anext__() for _ in range({FIRST_ITEMS})]",
                        f"await {items}.aclose()"]
            return [f"{items} = {call}", f"result = [next({items}) for _ in range({FIRST_ITEMS})]", f"{items}.close()"]
        if yields(target.node):
            loop = "async for" if target.is_async else "for"
            return [f"result = [item {loop} item in {call}]"]
        lines = [f"result = {'await ' if target.is_async else ''}{call}"]
        if starts_tasks(target.node):
            case.imports.add(("asyncio", None))
            lines.append("await asyncio.gather(*(asyncio.all_tasks() - {asyncio.current_task()}))  # let spawned tasks finish")
        return lines

    def bases(self) -> list[ast.ClassDef]:
        """The project's base classes of the target's class, nearest first (one module away at most)."""
        found: list[ast.ClassDef] = []
        queue = list(self.target.cls.bases) if self.target.cls is not None else []
        while queue and len(found) < 4:
            base = self.resolver.project_class(dotted(queue.pop(0)) or "")
            if base is not None and base not in found:
                found.append(base)
                queue += base.bases
        return found

    def backing(self, attr: str) -> str:
        """A read-only property `return self._x` inherited from a base: the double goes into `_x`."""
        for base in self.bases():
            prop = next((s for s in base.body if isinstance(s, ast.FunctionDef) and s.name == attr
                         and any(dotted(d) == "property" for d in s.decorator_list)), None)
            if prop is None:
                continue
            body = [s for s in prop.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            if (len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Attribute)
                    and dotted(body[0].value.value) == "self"):
                return body[0].value.attr
            break
        return attr

    def constructor_needs_loop(self) -> bool:
        """Building the instance asks asyncio for the loop (its own or a project base's __init__): the
        test runs inside one, or it depends on a loop an earlier test left behind."""
        if self.target.cls is None or self.target.kind not in ("method", "property"):
            return False
        return any(isinstance(s, ast.FunctionDef) and s.name == "__init__" and starts_tasks(s)
                   for cls in [self.target.cls, *self.bases()] for s in cls.body)

    def constructor_io(self) -> list[str]:
        """Module-level names of network or service clients (httpx, redis ...) the class's own
        __init__ uses: patched while the instance is built (an OpenID client fetches its discovery
        document in its constructor)."""
        init = self.methods.get("__init__")
        if init is None:
            return []
        code = [s.value if isinstance(s, ast.AnnAssign) else s for s in init.body]  # annotations name types
        used = {n.id for part in code if part is not None for n in ast.walk(part) if isinstance(n, ast.Name)}
        return sorted(name for name in used if (self.model.imports.get(name) or ("",))[0].split(".", 1)[0]
                      in IO_MODULES)

    def abstract_bases(self) -> bool:
        """An abstract method of the class or one of the project's bases is left without an implementation."""
        classes = [self.target.cls, *self.bases()] if self.target.cls is not None else []
        first: dict[str, bool] = {}  # method name -> abstract where it is first found, nearest class first
        for cls in classes:
            for s in cls.body:
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    first.setdefault(s.name, is_abstract(s))
        return any(first.values())

    def construct(self, case: CaseState, given: dict[str, str] | None = None) -> str:
        """`Cls(required args)`; the collaborators are replaced on the instance afterwards, or, for a
        frozen dataclass, passed here in `given` (field -> expression)."""
        cls = self.target.cls
        init = self.methods.get("__init__")
        if init is None and not any(dotted(d.func if isinstance(d, ast.Call) else d) in ("dataclass",
                                                                                         "dataclasses.dataclass")
                                    for d in cls.decorator_list):
            init = next((m for base in self.bases() for m in base.body
                         if isinstance(m, ast.FunctionDef) and m.name == "__init__"), None)
        if init is not None:
            args = init.args
            positional = args.posonlyargs + args.args
            required = positional[1 : len(positional) - len(args.defaults)]
            required += [a for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
            fields = [(a.arg, a.annotation, a in args.posonlyargs) for a in required]
            optional = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
            optional += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
            given = dict(given or {})
            for arg, default in optional:  # a default settings object that lacks its secret: give it one
                made = (self.resolver.settings_instance(dotted(default.func) or annotation_class(arg.annotation))
                        if isinstance(default, ast.Call) and not default.args and not default.keywords else None)
                if made is not None and arg.arg not in given and arg not in args.posonlyargs:
                    given[arg.arg] = made[0]
                    case.imports.update(made[1])
            nones = {a.arg: a for a, d in optional if isinstance(d, ast.Constant) and d.value is None
                     and a not in args.posonlyargs}
            for name in needed_options(init, list(nones)):  # e.g. "either route_name or redirect_url"
                literal = scalar_literal(nones[name].annotation, name)
                if literal is not None and name not in given:
                    given[name] = literal[0]
                    case.imports.update(literal[1])
        elif any(dotted(d.func if isinstance(d, ast.Call) else d) in ("dataclass", "dataclasses.dataclass")
                 for d in cls.decorator_list):
            fields = [(s.target.id, s.annotation, False) for s in cls.body
                      if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.value is None
                      and "ClassVar" not in ast.unparse(s.annotation)]
        else:
            fields = []
        parts = []
        checked = checked_types(init, self.model.tree) if init is not None else {}  # `if not isinstance(p, C): raise`
        for name, annotation, positional_only in fields:
            literal = scalar_literal(annotation, name) or self.resolver.settings_instance(annotation_class(annotation))
            if literal is not None:
                case.imports.update(literal[1])
            else:
                case.imports.add(("unittest.mock", "MagicMock"))
            value = literal[0] if literal else "MagicMock()"
            if literal is None and name in checked:  # the class as the module under test names it
                value = f"MagicMock(spec={checked[name]})"
                case.imports.add((self.model.module, checked[name].split(".", 1)[0]))
            if given and name in given:
                value = given[name]
            parts.append(value if positional_only else f"{name}={value}")
        named = {name for name, _, _ in fields}
        parts += [f"{name}={value}" for name, value in (given or {}).items() if name not in named]
        return f"{cls.name}({', '.join(parts)})"

    def asserts(self, case: CaseState, builder: Doubles) -> list[str]:
        """What can honestly be known: awaited leaves, sync calls on doubles, a returned double."""
        lines: list[str] = []
        given = {a.arg for a in self.given_params()} - self.reassigned
        for tree_id, handle in builder.case.handles.items():
            tree = builder.trees[tree_id]
            certain = [c for c in tree.calls if c.certain]
            if len(tree.calls) != 1 or len(certain) != 1:
                continue
            args = _render_args(certain[0], given)
            if tree.awaited_call is not None:
                verb = "assert_awaited_once"
            elif tree.call is not None and not tree.call.used and not tree.call.returned:
                verb = "assert_called_once"
            else:
                continue
            lines.append(f"{handle}.{verb}()" if args is None else f"{handle}.{verb}_with({args})")
        returned = [expr for tree, expr in builder.results.values() if tree.returned]
        if len(returned) == 1 and single_return(self.target.node) and not returned[0].startswith(("'", '"')):
            lines.append(f"assert result is {returned[0]}")
        return lines


def dependency_double(
    model: ModuleModel, target: Target, resolver: Resolver, param: str, namer: Namer, returned: str,
) -> tuple[list[str], set[Import], str]:
    """Lines building a double for one parameter of target, shaped by target's use of it.

    `returned` stands in for any value the target returns straight from the double (e2e tests
    need something the framework can serialise). Returns (lines, imports, variable).
    """
    planner = Planner(model, target, resolver)
    case = CaseState(namer)
    builder = Doubles(case, None, resolver, returned)
    var = namer(param)
    builder.root(var, planner.usage[param], None)
    return case.lines, case.imports, var


def _guarded(tree: UsageTree) -> bool:
    """Called inside a try whose handlers turn its failures into the function's own outcome."""
    return any(site.handlers for site in tree.calls)


def _passed_names(trees) -> set[str]:
    names: set[str] = set()
    for _, tree in walk([("", t) for t in trees]):
        names |= tree.passed_to
    return names


def _value_only(tree: UsageTree | None) -> bool:
    """The code only compares, tests or passes the value on: nothing is read from it, called or awaited."""
    return tree is not None and not tree.attrs and not tree.elements and all(
        getattr(tree, edge) is None for edge in ("call", "awaited_call", "awaited", "aenter", "enter", "aiter_item",
                                                 "iter_item", "item"))


def _render_args(site: CallSite, given: set[str]) -> str | None:
    """The call's arguments as test code, when they only name values the test itself passed."""
    parts = [*site.args, *(kw.value for kw in site.keywords)]
    for part in parts:
        for node in ast.walk(part):
            if isinstance(node, ast.Name) and node.id not in given:
                return None
            if not isinstance(node, (ast.Name, ast.Attribute, ast.Constant, ast.Load, ast.Tuple, ast.List)):
                return None
    rendered = [ast.unparse(a) for a in site.args]
    rendered += [f"{kw.arg}={ast.unparse(kw.value)}" if kw.arg else f"**{ast.unparse(kw.value)}" for kw in site.keywords]
    return ", ".join(rendered)
