"""Plans -> source text through jinja2 templates; every result is parse-checked with libcst.

Templates ship as the package `gapfinder.templates` (read through importlib.resources, so wheels
and editable installs both work); a user's folder overrides them file by file.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Iterable, Mapping

import jinja2
from jinja2.sandbox import SandboxedEnvironment
import libcst

from gapfinder import __version__
from gapfinder.errors import GapfinderError
from gapfinder.scaffold.plans import TestCase
from gapfinder.scaffold.values import is_stdlib

Import = tuple[str, "str | None"]
OBSERVED = "# observed on first run: check this is what you want"


class TemplateError(GapfinderError):
    """A template is missing, broken, or produced code that does not parse."""


def environment(user_dir: Path | None = None) -> jinja2.Environment:
    """Templates from user_dir first, then gapfinder's own."""
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None:
        if not user_dir.is_dir():
            raise TemplateError(f"template folder {user_dir} does not exist.")
        loaders.append(jinja2.FileSystemLoader(str(user_dir)))
    loaders.append(jinja2.FunctionLoader(_packaged))
    # Sandboxed, ours and the user's alike: a template from a cloned repository must not reach
    # os.system through globals and attributes (it renders even under --dry-run).
    return SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False,
    )


def _packaged(name: str) -> str | None:
    resource = files("gapfinder.templates").joinpath(name)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def render(env: jinja2.Environment, template: str, **context: object) -> str:
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateNotFound:
        raise TemplateError(f"template {template} not found.") from None
    except jinja2.TemplateError as exc:  # SecurityError (the sandbox refused) is one too
        raise TemplateError(f"template {template} failed: {exc}.") from None


def header(env: jinja2.Environment, source: str, module: str, kind: str) -> str:
    return render(env, "header.j2", version=__version__, source=source, module=module, kind=kind).rstrip("\n")


def format_imports(imports: Iterable[Import], package: str) -> str:
    """isort-style groups: standard library, third party, the project; `import x` before `from`."""
    groups: dict[int, dict[str, set[str]]] = {0: {}, 1: {}, 2: {}}
    plain: dict[int, set[str]] = {0: set(), 1: set(), 2: set()}
    for module, name in imports:
        top = module.split(".", 1)[0]
        group = 0 if is_stdlib(module) else 2 if top == package else 1
        if name is None:
            plain[group].add(module)
        else:
            groups[group].setdefault(module, set()).add(name)
    blocks = []
    for group in (0, 1, 2):
        lines = [f"import {m}" for m in sorted(plain[group])]
        for module, names in sorted(groups[group].items()):
            ordered = sorted(names, key=lambda n: (not n[0].isupper(), n.lower()))
            line = f"from {module} import {', '.join(ordered)}"
            if len(line) > 99:
                line = f"from {module} import (\n" + "".join(f"    {n},\n" for n in ordered) + ")"
            lines.append(line)
        if lines:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def case_body(case: TestCase) -> list[str]:
    """Act lines wrapped in the patches and the expected exception."""
    lines = list(case.act)
    if case.raises:
        lines = [line.removeprefix("result = ") for line in lines]
        note = f"  {OBSERVED}" if case.observed_raise else ""
        bound = f" as {case.raised_as}" if case.raised_as else ""
        lines = [f"with pytest.raises({case.raises}){bound}:{note}"] + ["    " + line for line in lines]
    if case.patches:
        patches = [f'patch("{target}", new={var})' for target, var in case.patches]
        if len(patches) == 1:
            opener = [f"with {patches[0]}:"]
        else:
            opener = ["with ("] + [f"    {p}," for p in patches] + ["):"]
        lines = opener + ["    " + line for line in lines]
    return lines


def render_tests(
    env: jinja2.Environment, template: str, cases: Iterable[TestCase], extra_imports: Iterable[Import],
    package: str, head: str, context: Mapping[str, object] | None = None,
) -> str:
    cases = list(cases)
    imports = {("pytest", None)} | set(extra_imports)
    for case in cases:
        imports |= case.imports
        if case.patches:
            imports.add(("unittest.mock", "patch"))
    views = [
        {"name": c.name, "is_async": c.is_async, "arrange": c.arrange, "body": case_body(c), "fixtures": c.fixtures,
         "asserts": c.asserts, "todos": c.todos, "marks": c.marks}
        for c in cases
    ]
    code = render(env, template, header=head, imports=format_imports(imports, package), cases=views,
                  **(context or {}))
    return check_parses(code, template)


def check_parses(code: str, what: str) -> str:
    try:
        libcst.parse_module(code)
    except libcst.ParserSyntaxError as exc:
        raise TemplateError(f"generated code from {what} does not parse: {exc.message} (line {exc.raw_line}).") from None
    return code
