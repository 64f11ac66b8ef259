"""One table of options, read in layers: defaults < [tool.gapfinder] in pyproject.toml < CLI flags.

Every option gapfinder understands is declared once in OPTIONS with its default, its type and a
line of help (the README's configuration table is written from it). Unknown keys and wrong types
are one ConfigError that names every problem at once, and where it came from.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from gapfinder.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# Every TOML file gapfinder reads (its own table, pytest's, scaffold's edits) goes through these two.
TOMLDecodeError = tomllib.TOMLDecodeError


def parse_toml(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _path_maps(value: Any) -> bool:
    return _str_list(value) and all(entry.partition("=")[0].strip() and "=" in entry for entry in value)


def _coefficients(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and -10 <= v <= 10 for v in value.values()
    )


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _target(value: Any) -> bool:
    """A whole number > 0, or a table of them keyed by "total" and test kinds."""
    if isinstance(value, dict):
        return bool(value) and all(_target(v) for v in value.values())
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _percent(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100


def _str_list_table(value: Any) -> bool:
    return isinstance(value, dict) and all(_str_list(v) for v in value.values())


def goal_problems(value: Any) -> list[str]:
    """What is wrong with a `goals` table ({"app/auth/**" = 95, "*" = 80}), one phrase per entry."""
    if not isinstance(value, dict):
        return [f"'goals' must be a table of path globs to percentages, like {{\"app/auth/**\" = 95, \"*\" = 80}}, "
                f"not {value!r}"]
    problems = []
    for pattern, goal in value.items():
        if not pattern.strip() or pattern.startswith("/") or ".." in pattern.split("/"):
            problems.append(f"goal {pattern!r} must be a glob relative to the project, like \"app/auth/**\"")
        elif not _percent(goal):
            problems.append(f"goal {pattern!r} must be a number from 0 to 100, not {goal!r}")
    return problems


@dataclass(frozen=True)
class Option:
    name: str
    default: Any
    check: Callable[[Any], bool]
    expected: str
    help: str


# The score's coefficients (see rank/density.py): a module's later bug fixes are modelled as
# exp(sum of coefficient * input) with each part's input log1p(part) (the coverage gap as it is) and
# `lines`' input log(lines), and modules are ranked by predicted fixes per line. Fitted on the later
# fixes of all 35 projects of benchmarks/rank_corpus (the corpus and both hold-outs; density.py,
# "churn+fixes+complexity, density": the family chosen in 33 of 35 nested folds, the other parts
# added nothing under cross-validation); its README has the cross-validated figures and every fold.
# The only copy of these numbers.
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "coverage_gap": 0.0,
        "size": 0.0,
        "centrality": 0.0,
        "complexity": 0.2695,
        "complexity_max": 0.0,
        "risk": 0.0,
        "churn": 0.3972,
        "fixes": 0.203,
        "lines": 0.3603,
    }
)
# Without any git history (no repository, --no-git, nothing in the window) and default weights:
# the same fit on the static parts ("no history: static parts, density", chosen in every nested fold).
NO_HISTORY_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "coverage_gap": -0.1952,
        "size": 0.1038,
        "centrality": 0.0051,
        "complexity": 0.1618,
        "complexity_max": 0.243,
        "risk": 0.2369,
        "churn": 0.0,
        "fixes": 0.0,
        "lines": 0.5052,
    }
)
# A module shorter than this many lines is ranked as if it had that many, with or without history:
# a fully covered three-line __init__.py, or a two-line module with one past fix, would otherwise top
# the list. 60 was chosen with history by the previous round's cross-validation on 23 projects. On
# all 35 it costs ER@20%LOC .009 with history and .011 without, against none, and raises the share
# of later fixes that touch the first 10 modules from .225 to .433 with history, .186 to .304 without.
MIN_LINES = 60

# Commit subjects that name a bug fix (gapfinder.rank.fixes adds what never counts: lint, typing,
# docs, releases, reverts; the benchmark corpus is labelled with the same rules).
FIX_PATTERN = r"\b(fix(e[sd]|ing)?|bug(s|fix(es)?)?|regression|crash(es|ed|ing)?|broken|hotfix)\b"

OPTIONS: tuple[Option, ...] = (
    Option("source", [], _str_list, "a list of folders",
           "Source roots to analyse, relative to the project; empty means found automatically."),
    Option("exclude", [], _str_list, "a list of glob patterns",
           "Extra glob patterns (relative paths) left out of the analysis."),
    Option("tests", ["tests", "test", "testing"], _str_list, "a list of folders",
           "Folders that hold tests; they are not ranked and count as test code."),
    Option("coverage", "", lambda v: isinstance(v, str), "a path",
           "Coverage data to read; empty means found automatically in the project."),
    Option("path_map", [], _path_maps, 'a list of "OLD=NEW" strings',
           "Recorded path prefixes to rewrite onto this tree, as OLD=NEW."),
    Option("since", "2 years", lambda v: isinstance(v, str), "a string like '6 months'",
           "Git window for churn and fix counts, ending at HEAD's commit date: 'N days|weeks|months|years' or a date."),
    Option("git", True, lambda v: isinstance(v, bool), "true or false",
           "Read git history; false is the same as --no-git."),
    Option("top", 20, _positive_int, "a whole number >= 0",
           "Rows to show; 0 shows all."),
    Option("max_file_bytes", 2_000_000, _positive_int, "a whole number >= 0",
           "Source files larger than this are skipped (generated code)."),
    Option("fix_pattern", FIX_PATTERN,
           lambda v: isinstance(v, str), "a regular expression",
           "Commit subjects matching this (case-insensitive) count as bug fixes (lint, typing, docs and release "
           "commits never do)."),
    Option("weights", dict(DEFAULT_WEIGHTS), _coefficients, "a table of numbers between -10 and 10",
           "Coefficients of the score's parts: " + ", ".join(DEFAULT_WEIGHTS) + "."),
    Option("jobs", 0, _positive_int, "a whole number >= 0",
           "Processes for parsing; 0 means one per core."),
    Option("target", None, _target, "a whole number > 0, or a table like {total = 100, e2e = 10}",
           "Test target for `gapfinder progress`: a total, or per kind (unit, integration, e2e ...)."),
    Option("goals", {}, lambda v: not goal_problems(v), "a table of path globs to percentages",
           "Coverage goals per area for `progress` and `rank --fail-under-goals`, e.g. "
           "{\"app/auth/**\" = 95, \"*\" = 80}; a module counts toward the most specific glob matching its path."),
    Option("kinds", {}, _str_list_table, "a table of lists of folder names, markers or globs",
           "Test kinds for `gapfinder progress`, e.g. {e2e = [\"e2e\", \"browser\", \"tests/ui/*\"]}; "
           "merged over the built-in unit, integration and e2e rules."),
    Option("templates", "", lambda v: isinstance(v, str), "a path",
           "Folder of jinja2 templates for `gapfinder scaffold` that override its own, file by file."),
    Option("fail_under", None, _percent, "a number from 0 to 100",
           "CI gate for `rank`: exit 1 when line coverage (with --diff: of the changed statements) is below this."),
    Option("max_score", None, _percent, "a number from 0 to 100",
           "CI gate for `rank`: exit 1 when a ranked module (with --diff: a changed one) scores above this."),
)

OPTIONS_BY_NAME: Mapping[str, Option] = MappingProxyType({o.name: o for o in OPTIONS})


@dataclass(frozen=True)
class Config:
    """Resolved options, one typed field per entry of OPTIONS (a test keeps the two in step)."""

    source: tuple[str, ...]
    exclude: tuple[str, ...]
    tests: tuple[str, ...]
    coverage: str
    path_map: tuple[str, ...]
    since: str
    git: bool
    top: int
    max_file_bytes: int
    fix_pattern: str
    weights: Mapping[str, float]
    jobs: int
    target: int | Mapping[str, int] | None
    goals: Mapping[str, float]
    kinds: Mapping[str, tuple[str, ...]]
    templates: str
    fail_under: float | None
    max_score: float | None
    source_file: Path | None = None

    def options(self) -> dict[str, Any]:
        """The options alone, by name (what a cached result depends on)."""
        return {o.name: getattr(self, o.name) for o in OPTIONS}


def read_pyproject_table(root: Path) -> tuple[dict[str, Any], Path | None]:
    """The [tool.gapfinder] table of root/pyproject.toml, or an empty one."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}, None
    try:
        data = parse_toml(path.read_text(encoding="utf-8"))
    except (TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from None
    table = data.get("tool", {}).get("gapfinder", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.gapfinder] in {path} must be a table.")
    return table, path


def load_config(root: Path, overrides: Mapping[str, Any] | None = None) -> Config:
    """Layer defaults, the project's [tool.gapfinder] table and CLI overrides (None = not given).

    Every problem is reported at once, in one ConfigError (exit 2), blamed on where it came from:
    an unknown key or a wrong type in the file (with the closest valid key), a bad CLI value.
    A misspelt key is an error, not a warning: `fail_undr = 80` would silently turn a gate off.
    """
    table, source_file = read_pyproject_table(root)
    values = {o.name: _copy(o.default) for o in OPTIONS}
    in_file: list[str] = []
    for key, value in table.items():
        name = key.replace("-", "_")
        option = OPTIONS_BY_NAME.get(name)
        if option is None:
            in_file.append(f"unknown key '{key}'{_closest(name, OPTIONS_BY_NAME)}")
        elif name == "goals" and goal_problems(value):
            in_file += goal_problems(value)
        elif not option.check(value):
            in_file.append(f"'{key}' must be {option.expected}, not {value!r}")
        else:
            values[name] = value
    weights = values["weights"]
    for key in weights:
        if key not in DEFAULT_WEIGHTS:
            in_file.append(f"unknown weight '{key}' in [tool.gapfinder.weights]{_closest(key, DEFAULT_WEIGHTS)}")
    values["weights"] = {**DEFAULT_WEIGHTS, **weights}
    on_command_line: list[str] = []
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        option = OPTIONS_BY_NAME[name]
        if option.check(value):
            values[name] = value
        else:
            on_command_line.append(f"--{name.replace('_', '-')} must be {option.expected}, not {value!r}")
    problems = ([f"[tool.gapfinder] in {source_file}: " + "; ".join(in_file)] if in_file else []) + (
        ["on the command line: " + "; ".join(on_command_line)] if on_command_line else [])
    if problems:
        raise ConfigError("Configuration problems " + "; and ".join(problems) + ".")
    return Config(**{name: _frozen(value) for name, value in values.items()}, source_file=source_file)


def _closest(name: str, valid: Mapping[str, Any]) -> str:
    """" (did you mean 'fail_under'?)" for a near miss, else "" ."""
    match = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _frozen(value: Any) -> Any:
    """Lists become tuples and tables read-only, so a Config cannot change once made."""
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    return value


def _copy(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return type(value)(value)
    return value
