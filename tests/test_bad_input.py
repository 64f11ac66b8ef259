"""Hostile and broken input, as a careful new user would try it: every case is built here at test
time (no third-party code) and run through the real command line in its own process.

Each case must hold the same promises: no traceback, an exit code the README defines (0/1/2),
every byte a person wrote unchanged, nothing outside the project read or written, and no code from
the project run (canaries at module top level, in conftest.py, in planted caches and templates
would write a file outside the project if anything ran them).
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SECRET = "outside_secret_function_b7c1"  # a name only files outside the project hold


class _Planted:
    """Unpickling this creates the canary: what the old pickle caches would have done."""

    def __init__(self, canary: str) -> None:
        self.canary = canary

    def __reduce__(self):
        return (open, (self.canary, "w"))


@dataclass
class Case:
    name: str
    argv: list[str]  # {root}, {outside} and {canary} are filled in
    files: dict[str, str | bytes] = field(default_factory=dict)  # the project (relative paths)
    exits: tuple[int, ...] = (0, 1, 2)
    build: Callable[[Path, Path], None] | None = None  # (root, outside) -> extra setup
    check: Callable[[subprocess.CompletedProcess, Path], None] | None = None
    writes: bool = False  # the command may add to files (scaffold without --dry-run, fix --write)
    replaced: tuple[str, ...] = ()  # files the command was told to replace (--output)


def _project(root: Path, outside: Path, canary: Path, files: dict[str, str | bytes]) -> None:
    """A small project with canaries everywhere code could be run from, plus the case's files."""
    run_me = f"open({str(canary)!r}, 'w').write('ran')\n"
    base: dict[str, str | bytes] = {
        "pyproject.toml": '[project]\nname = "victim"\n',
        "pkg/__init__.py": "",
        "pkg/core.py": run_me + "def add(a, b):\n    if a > b:\n        return a - b\n    return a + b\n",
        "pkg/service.py": "import httpx\n\n\nasync def fetch(client, url):\n    r = await client.get(url)\n"
                          "    return r.json()\n",
        "tests/conftest.py": run_me,
        "tests/test_core.py": "from pkg.core import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    }
    base.update(files)
    for rel, content in base.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.replace("{canary}", str(canary)).encode("utf-8"))
    outside.mkdir(exist_ok=True)
    (outside / "secret.py").write_text(f"def {SECRET}():\n    return 1\n")
    (outside / "secret.coverage.json").write_text("{}")


def _snapshot(folder: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if ".gapfinder" in path.parts or "__pycache__" in path.parts or path.is_symlink() or not path.is_file():
            continue
        found[str(path.relative_to(folder))] = path.read_bytes()
    return found


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GAPFINDER_DEBUG"}
    return subprocess.run([sys.executable, "-m", "gapfinder", *argv], cwd=cwd, capture_output=True, timeout=300,
                          env={**env, "COLUMNS": "120"})


def _kept(old: bytes, new: bytes) -> bool:
    """Every line of old is still in new, in order (a merge only inserts lines)."""
    lines = new.splitlines(keepends=True)
    at = 0
    for line in old.splitlines(keepends=True):
        while at < len(lines) and not lines[at].startswith(line):
            at += 1
        if at == len(lines):
            return False
        at += 1
    return True


def _coverage_db(path: Path, root: Path) -> None:
    from coverage import CoverageData

    data = CoverageData(basename=str(path))
    data.add_lines({str(root / "pkg" / "core.py"): [1, 2, 3, 5]})
    data.write()


def _truncated_db(root: Path, outside: Path) -> None:
    _coverage_db(root / "data.coverage", root)
    raw = (root / "data.coverage").read_bytes()
    (root / "data.coverage").write_bytes(raw[: len(raw) // 2])


def _other_schema(root: Path, outside: Path) -> None:
    with sqlite3.connect(root / "data.coverage") as db:
        db.execute("CREATE TABLE users (id INTEGER, name TEXT)")
        db.execute("INSERT INTO users VALUES (1, 'x')")


def _symlink(target: str, link: str) -> Callable[[Path, Path], None]:
    def build(root: Path, outside: Path) -> None:
        path = root / link
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target.replace("{outside}", str(outside)).replace("{root}", str(root)), path)
    return build


def _plant_caches(root: Path, outside: Path) -> None:
    canary = str(outside.parent / "CANARY")
    cache = root / ".gapfinder"
    cache.mkdir(exist_ok=True)
    payload = pickle.dumps(("key", _Planted(canary)))
    for name in ("rank-result.pickle", "centrality.pickle", "history.pickle", "rank-result.json",
                 "centrality.json", "history.json"):
        (cache / name).write_bytes(payload)
    (cache / "analysis.sqlite3").write_bytes(payload)


def _plant_json_caches(root: Path, outside: Path) -> None:
    cache = root / ".gapfinder"
    cache.mkdir(exist_ok=True)
    forged = {"key": "x", "value": ["RankResult", ["os.system", "echo planted"], [], "module"]}
    for name in ("rank-result.json", "centrality.json", "history.json"):
        (cache / name).write_text(json.dumps(forged))


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def _xml_bomb() -> str:
    entities = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">' for i in range(1, 10))
    return (f'<?xml version="1.0"?><!DOCTYPE coverage [<!ENTITY l0 "boom">{entities}]>'
            '<coverage><sources><source>&l9;</source></sources></coverage>')


def _xxe(root: Path, outside: Path) -> None:
    (root / "coverage.xml").write_text(
        f'<?xml version="1.0"?><!DOCTYPE coverage [<!ENTITY s SYSTEM "file://{outside}/secret.py">]>'
        '<coverage><sources><source>&s;</source></sources><packages/></coverage>')


def _project_in_odd_folder(root: Path, outside: Path) -> None:
    """The project in a folder of a git repository whose name needs percent-encoding in a URI."""
    _project(root / "odd dir #1?%", outside, outside.parent / "CANARY", {})
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], check=True)


def _not_in_output(text: str) -> Callable[[subprocess.CompletedProcess, Path], None]:
    def check(done: subprocess.CompletedProcess, root: Path) -> None:
        assert text.encode() not in done.stdout + done.stderr
    return check


def _says(text: str) -> Callable[[subprocess.CompletedProcess, Path], None]:
    def check(done: subprocess.CompletedProcess, root: Path) -> None:
        assert text.encode() in done.stdout + done.stderr, (done.stdout + done.stderr)[-2000:]
    return check


def _no_raw_escape(done: subprocess.CompletedProcess, root: Path) -> None:
    assert b"\x1b" not in done.stdout and b"\x1b" not in done.stderr


def _sarif_uris_are_encoded(done: subprocess.CompletedProcess, root: Path) -> None:
    log = json.loads(done.stdout)
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in log["runs"][0]["results"] for loc in result["locations"]]
    assert uris and all(" " not in u and "#" not in u and "?" not in u for u in uris), uris
    assert any("%20" in u for u in uris)


def _valid_markdown_heading(done: subprocess.CompletedProcess, root: Path) -> None:
    heading = done.stdout.decode().splitlines()[0]
    assert heading.startswith("## Test-gap priorities for ``") and heading.endswith("``")


def _html_is_escaped(done: subprocess.CompletedProcess, root: Path) -> None:
    assert b"<script>alert(1)</script>" not in done.stdout


def _unchanged_crlf(rel: str) -> Callable[[subprocess.CompletedProcess, Path], None]:
    def check(done: subprocess.CompletedProcess, root: Path) -> None:
        data = (root / rel).read_bytes()
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b""), data[:200]
    return check


def _latin1_kept(done: subprocess.CompletedProcess, root: Path) -> None:
    """The coding line stays first (imports go below it) and the file stays Latin-1."""
    data = (root / "tests" / "conftest.py").read_bytes()
    assert data.startswith(b"# -*- coding: latin-1 -*-\n") and b"NAME = '\xe9'\n" in data


def _file_starts_with(rel: str, start: bytes) -> Callable[[subprocess.CompletedProcess, Path], None]:
    def check(done: subprocess.CompletedProcess, root: Path) -> None:
        assert (root / rel).read_bytes().startswith(start)
    return check


RANK = ["rank", "{root}", "--no-git"]
RANK_JSON = [*RANK, "--format", "json", "--top", "0"]
BOM = b"\xef\xbb\xbf"
CRLF_TEST = b"import pytest\r\nfrom unittest.mock import AsyncMock\r\n\r\n\r\ndef test_x():\r\n    assert True\r\n"

CASES = [
    # --- coverage data -------------------------------------------------------------------------
    Case("coverage-empty-file", [*RANK, "--coverage", "{root}/empty.coverage"], {"empty.coverage": b""}, (2,)),
    Case("coverage-binary", [*RANK, "--coverage", "{root}/bin.coverage"], {"bin.coverage": bytes(range(256)) * 8},
         (2,)),
    Case("coverage-truncated-sqlite", [*RANK, "--coverage", "{root}/data.coverage"], build=_truncated_db,
         exits=(0, 2)),
    Case("coverage-other-schema", [*RANK, "--coverage", "{root}/data.coverage"], build=_other_schema, exits=(2,)),
    Case("coverage-xml-bomb", [*RANK, "--coverage", "{root}/coverage.xml"], {"coverage.xml": _xml_bomb()}, (0, 2)),
    Case("coverage-xml-external-entity", [*RANK, "--coverage", "{root}/coverage.xml"], build=_xxe, exits=(0, 2),
         check=_not_in_output(SECRET)),
    Case("coverage-json-deep", [*RANK, "--coverage", "{root}/coverage.json"],
         {"coverage.json": _deep_json(200_000)}, (2,)),
    Case("coverage-json-not-object", [*RANK, "--coverage", "{root}/coverage.json"], {"coverage.json": "[1, 2]"},
         (2,)),
    Case("coverage-json-files-list", [*RANK, "--coverage", "{root}/coverage.json"],
         {"coverage.json": '{"files": []}'}, (0, 2)),
    Case("coverage-json-wrong-types", [*RANK, "--coverage", "{root}/coverage.json"],
         {"coverage.json": '{"files": {"pkg/core.py": {"executed_lines": "all", "missing_lines": 3}}}'}, (0, 2)),
    Case("coverage-json-paths-outside", [*RANK_JSON, "--coverage", "{root}/coverage.json"],
         {"coverage.json": '{"files": {"/etc/passwd": {"executed_lines": [1], "missing_lines": [2]}, '
                           '"../../outside/secret.py": {"executed_lines": [1], "missing_lines": []}}}'},
         (0, 2), check=_not_in_output(SECRET)),
    Case("coverage-json-truncated", [*RANK, "--coverage", "{root}/coverage.json"],
         {"coverage.json": '{"files": {"pkg/core.py": {"executed_lines": [1, 2'}, (2,)),
    Case("coverage-json-latin1", [*RANK, "--coverage", "{root}/coverage.json"],
         {"coverage.json": b'{"files": {"pkg/\xe9.py": {}}}'}, (0, 2)),
    Case("coverage-junit-not-coverage", [*RANK, "--coverage", str(FIXTURES / "coverage-files" / "junit.xml")],
         exits=(2,)),
    Case("coverage-lcov-garbage", [*RANK, "--coverage", "{root}/lcov.info"],
         {"lcov.info": "SF:pkg/core.py\nDA:x,y\nDA:99999999999999999999,1\nBRDA:1\nend_of_record\n"}, (0, 2)),
    Case("coverage-missing", [*RANK, "--coverage", "{root}/nope.coverage"], exits=(2,)),
    Case("coverage-is-a-folder", [*RANK, "--coverage", "{root}/pkg"], exits=(2,)),
    Case("coverage-outside-symlink", [*RANK, "--coverage", "{root}/linked.json"],
         build=_symlink("{outside}/secret.coverage.json", "linked.json"), exits=(0, 2)),
    Case("coverage-corrupt-fixture", [*RANK, "--coverage", str(FIXTURES / "coverage-files" / "corrupt.coverage")],
         exits=(2,)),
    # --- source trees --------------------------------------------------------------------------
    Case("source-syntax-error", RANK_JSON, {"pkg/broken.py": "def (:\n"}, (0,), check=_says("syntax error")),
    Case("source-latin1-undeclared", RANK_JSON, {"pkg/latin.py": b"x = '\xe9'\n"}, (0,)),
    Case("source-latin1-declared", RANK_JSON, {"pkg/latin.py": b"# -*- coding: latin-1 -*-\nx = '\xe9'\n"}, (0,)),
    Case("source-bom", RANK_JSON, {"pkg/bom.py": BOM + b"def f():\n    return 1\n"}, (0,),
         check=_says('"pkg.bom"')),
    Case("source-crlf", RANK_JSON, {"pkg/crlf.py": b"def f():\r\n    return 1\r\n"}, (0,), check=_says('"pkg.crlf"')),
    Case("source-nul-bytes", RANK_JSON, {"pkg/nul.py": b"x = 1\x00\x00\n"}, (0,)),
    Case("source-huge-file", RANK_JSON, {"pkg/huge.py": "x = 1\n" * 400_000}, (0,), check=_says("larger than")),
    Case("source-deep-brackets-2000", RANK_JSON, {"pkg/deep.py": "x = " + "(" * 2000 + "1" + ")" * 2000 + "\n"},
         (0,)),
    Case("source-deep-brackets-190", RANK_JSON, {"pkg/deep.py": "x = " + "(" * 190 + "1" + ")" * 190 + "\n"}, (0,)),
    Case("source-deep-ternary", RANK_JSON, {"pkg/deep.py": "x = " + "a if b else " * 5000 + "c\n"}, (0,)),
    Case("source-deep-unary", RANK_JSON, {"pkg/deep.py": "x = " + "not " * 100_000 + "y\n"}, (0,)),
    Case("source-long-line", RANK_JSON, {"pkg/long.py": "x = [" + "1, " * 200_000 + "]\n"}, (0,)),
    Case("source-symlink-loop", RANK_JSON, build=_symlink("{root}/pkg", "pkg/loop"), exits=(0,)),
    Case("source-symlink-file-outside", RANK_JSON, build=_symlink("{outside}/secret.py", "pkg/secret.py"), exits=(0,),
         check=_not_in_output(SECRET)),
    Case("source-symlink-dir-outside", RANK_JSON, build=_symlink("{outside}", "pkg/linked"), exits=(0,),
         check=_not_in_output(SECRET)),
    Case("source-symlink-dangling", RANK_JSON, build=_symlink("{root}/nowhere.py", "pkg/dangling.py"), exits=(0,)),
    Case("source-name-with-space", RANK_JSON, {"pkg/my module.py": "x = 1\n"}, (0,)),
    Case("source-name-unicode", RANK_JSON, {"pkg/modülé.py": "x = 1\n"}, (0,)),
    Case("source-name-escape", RANK, {"pkg/\x1b[31mred.py": "x = 1\n", "pkg/\x1b]0;title\x07.py": "x = 1\n"}, (0,),
         check=_no_raw_escape),
    Case("source-name-not-utf8", RANK, build=lambda root, outside: (root / "pkg").joinpath(
        os.fsdecode(b"bad\xff.py")).write_text("x = 1\n"), exits=(0,)),
    Case("source-name-rich-markup", RANK, {"pkg/[bold]x[/].py": "x = 1\n", "pkg/[/].py": "def f(): pass\n"}, (0,)),
    Case("source-name-dash", RANK_JSON, {"-rf.py": "x = 1\n"}, (0,)),
    Case("source-empty-project", ["rank", "{root}/empty"], build=lambda r, o: (r / "empty").mkdir(), exits=(2,)),
    Case("source-only-tests", ["rank", "{root}/tests"], exits=(0, 2)),
    Case("source-path-missing", ["rank", "{root}/nope"], exits=(2,)),
    Case("source-path-is-file", ["rank", "{root}/pkg/core.py"], exits=(2,)),
    Case("source-pep701", RANK_JSON, {"pkg/new.py": 'x = f"{"nested"}"\n'}, (0,)),
    Case("source-invalid-encoding-cookie", RANK_JSON, {"pkg/cookie.py": b"# coding: klingon\nx = 1\n"}, (0,)),
    # --- progress ------------------------------------------------------------------------------
    Case("progress-basic", ["progress", "{root}", "--format", "json"], exits=(0,)),
    Case("progress-symlink-loop", ["progress", "{root}", "--format", "json"], build=_symlink("{root}/tests", "tests/loop"),
         exits=(0,)),
    Case("progress-symlink-outside", ["progress", "{root}", "--format", "json"],
         build=_symlink("{outside}", "tests/linked"), exits=(0,), check=_not_in_output(SECRET)),
    Case("progress-bad-syntax-test", ["progress", "{root}", "--format", "json"], {"tests/test_bad.py": "def (\n"},
         (0,)),
    Case("progress-deep-param", ["progress", "{root}", "--format", "json"],
         {"tests/test_deep.py": "import pytest\n@pytest.mark.parametrize('x', " + "[" * 5000 + "]" * 5000
          + ")\ndef test_x(x):\n    pass\n"}, (0,)),
    Case("progress-bad-pytest-ini", ["progress", "{root}"], {"pytest.ini": "[pytest\nthis is not ini"}, (0, 2)),
    Case("progress-bad-target", ["progress", "{root}", "--target", "-5"], exits=(2,)),
    Case("progress-pep695", ["progress", "{root}", "--format", "json"],
         {"tests/test_new.py": "type Alias = list[int]\n\ndef test_x[T](a: T = 1) -> None:\n    pass\n"}, (0,)),
    # --- configuration -------------------------------------------------------------------------
    Case("config-unknown-key", RANK, {"pyproject.toml": "[tool.gapfinder]\nfail_undr = 80\n"}, (2,),
         check=_says("did you mean 'fail_under'")),
    Case("config-wrong-type", RANK, {"pyproject.toml": '[tool.gapfinder]\ntop = "many"\n'}, (2,)),
    Case("config-bad-toml", RANK, {"pyproject.toml": "[tool.gapfinder\n"}, (2,)),
    Case("config-not-a-table", RANK, {"pyproject.toml": "[tool]\ngapfinder = 3\n"}, (2,)),
    Case("config-weight-out-of-range", RANK, {"pyproject.toml": "[tool.gapfinder.weights]\nchurn = -20\n"}, (2,)),
    Case("config-bad-regex", [*RANK[:-1]], {"pyproject.toml": '[tool.gapfinder]\nfix_pattern = "(unclosed"\n'}, (0, 2)),
    Case("config-bad-since", ["rank", "{root}", "--since", "soon"], exits=(2,)),
    Case("config-missing-source", RANK, {"pyproject.toml": '[tool.gapfinder]\nsource = ["nope"]\n'}, (2,)),
    Case("config-templates-outside", ["scaffold", "{root}/pkg/core.py", "--dry-run"],
         {"pyproject.toml": '[tool.gapfinder]\ntemplates = "../outside"\n'}, (2,)),
    Case("config-cli-bad-top", ["rank", "{root}", "--top", "many"], exits=(2,)),
    Case("config-cli-fail-under", ["rank", "{root}", "--no-git", "--fail-under", "120"], exits=(2,),
         check=_says("on the command line")),
    Case("config-bad-path-map", [*RANK, "--path-map", "nonsense"], exits=(2,)),
    # --- caches --------------------------------------------------------------------------------
    Case("cache-planted-pickles", RANK, build=_plant_caches, exits=(0,)),
    Case("cache-planted-pickles-scaffold-top", ["scaffold", "{root}", "--top", "1", "--dry-run"], build=_plant_caches,
         exits=(0, 2)),
    Case("cache-forged-json", RANK, build=_plant_json_caches, exits=(0,)),
    Case("cache-folder-is-a-file", RANK, {".gapfinder": "not a folder"}, (0,)),
    Case("cache-garbage-sqlite", RANK, {".gapfinder/analysis.sqlite3": b"garbage" * 100}, (0,)),
    # --- scaffold and doctor -------------------------------------------------------------------
    Case("scaffold-template-escape", ["scaffold", "{root}/pkg/core.py", "--dry-run"],
         {"pyproject.toml": '[tool.gapfinder]\ntemplates = "tpl"\n',
          "tpl/unit_test.py.j2": "{{ cycler.__init__.__globals__.os.system('touch {canary}') }}\n",
          "tpl/header.j2": "{{ ''.__class__.__mro__[1].__subclasses__() }}\n"}, (2,)),
    Case("scaffold-tests-dir-dotdot", ["scaffold", "{root}/pkg/core.py", "--tests-dir", "../../escaped"], exits=(2,)),
    Case("scaffold-tests-dir-symlink", ["scaffold", "{root}/pkg/core.py", "--tests-dir", "linked"],
         build=_symlink("{outside}", "linked"), exits=(2,)),
    Case("scaffold-crlf-conftest", ["scaffold", "{root}/pkg/core.py"],
         {"tests/conftest.py": b"import pytest\r\n\r\n\r\n@pytest.fixture\r\ndef thing():\r\n    return 1\r\n"}, (0,),
         writes=True, check=_unchanged_crlf("tests/conftest.py")),
    Case("scaffold-bom-module", ["scaffold", "{root}/pkg/bommod.py", "--dry-run"],
         {"pkg/bommod.py": BOM + b"def double(x):\n    return x * 2\n"}, (0,)),
    Case("scaffold-bom-conftest", ["scaffold", "{root}/pkg/core.py"],
         {"tests/conftest.py": BOM + b"import pytest\n"}, (0,), writes=True,
         check=_file_starts_with("tests/conftest.py", BOM + b"import pytest\n")),
    Case("scaffold-latin1-conftest", ["scaffold", "{root}/pkg/core.py"],
         {"tests/conftest.py": b"# -*- coding: latin-1 -*-\nNAME = '\xe9'\n"}, (0,), writes=True,
         check=_latin1_kept),
    Case("scaffold-syntax-error-module", ["scaffold", "{root}/pkg/broken.py"], {"pkg/broken.py": "def (\n"}, (2,)),
    Case("scaffold-module-outside", ["scaffold", "{outside}/secret.py", "--dry-run"], exits=(2,)),
    Case("scaffold-no-marker", ["scaffold", "pkg/core.py", "--dry-run"], {"pyproject.toml": b""},
         build=lambda root, outside: (root / "pyproject.toml").unlink(), exits=(0,)),
    Case("doctor-bom-test", ["doctor", "{root}/tests/test_bom.py"], {"tests/test_bom.py": BOM + b"def test_x():\n    pass\n"},
         (0,)),
    Case("doctor-crlf-fix-write", ["doctor", "{root}/tests/test_crlf.py", "--fix", "--write"],
         {"tests/test_crlf.py": CRLF_TEST}, (0, 1), writes=True, check=_unchanged_crlf("tests/test_crlf.py")),
    Case("doctor-deep-test", ["doctor", "{root}/tests/test_deep.py"],
         {"tests/test_deep.py": "def test_x():\n    assert " + "(" * 2000 + "1" + ")" * 2000 + "\n"}, (2,)),
    Case("doctor-deep-ternary-test", ["doctor", "{root}/tests"],
         {"tests/test_deep.py": "def test_x():\n    x = " + "a if b else " * 5000 + "c\n"}, (0, 1)),
    Case("doctor-not-a-test", ["doctor", "{root}/pkg/core.py"], exits=(2,)),
    Case("doctor-missing", ["doctor", "{root}/nope"], exits=(2,)),
    Case("doctor-junit-garbage", ["doctor", "--junit", "{root}/junit.xml"], {"junit.xml": _xml_bomb()}, (0, 1, 2)),
    Case("doctor-symlink-outside", ["doctor", "{root}/tests"], build=_symlink("{outside}", "tests/linked"),
         exits=(0, 1), check=_not_in_output(SECRET)),
    # --- output injection ----------------------------------------------------------------------
    Case("output-sarif-uri", ["rank", "{root}/odd dir #1?%", "--format", "sarif"], build=_project_in_odd_folder,
         exits=(0,), check=_sarif_uris_are_encoded),
    Case("output-markdown-backtick", ["rank", "{root}/we`ird", "--no-git", "--format", "markdown"],
         build=lambda root, outside: _project(root / "we`ird", outside, outside.parent / "CANARY", {}), exits=(0,),
         check=_valid_markdown_heading),
    Case("output-html-script", [*RANK, "--format", "html"], {"<script>alert(1)</script>.py": "x = 1\n"}, (0,),
         check=_html_is_escaped),
    Case("output-warning-escape", [*RANK, "--coverage", "{root}/\x1b[2Jx.json"], exits=(2,), check=_no_raw_escape),
    Case("output-file-atomic", [*RANK, "--output", "{root}/report.txt"], {"report.txt": "old report\n"}, (0,),
         replaced=("report.txt",), check=_says("wrote")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    root, outside, canary = tmp_path / "project", tmp_path / "outside", tmp_path / "CANARY"
    root.mkdir()
    _project(root, outside, canary, case.files)
    if case.build:
        case.build(root, outside)
    before, outside_before = _snapshot(root), _snapshot(outside)
    argv = [a.replace("{root}", str(root)).replace("{outside}", str(outside)).replace("{canary}", str(canary))
            for a in case.argv]
    done = _run(argv, root)
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert done.returncode in case.exits and done.returncode != 3, output[-3000:]
    assert "Traceback" not in output and "internal error" not in output, output[-3000:]
    if done.returncode == 2:
        assert "error:" in done.stderr.decode("utf-8", "replace").lower()
    assert not canary.exists(), "project code ran"
    assert _snapshot(outside) == outside_before
    after = _snapshot(root)
    for rel, data in before.items():
        if rel in case.replaced:
            continue
        if case.writes and case.name.startswith("scaffold"):
            assert _kept(data, after[rel]), f"a byte of {rel} was lost"
        elif not case.writes:
            assert after.get(rel) == data, f"{rel} changed"
    assert set(before) <= set(after)
    if case.check:
        case.check(done, root)


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 80


def test_the_table_prints_on_a_stdout_that_is_not_utf8(tmp_path: Path) -> None:
    """A Windows redirect: stdout in cp1252. The table used to crash on its box characters."""
    root = tmp_path / "project"
    root.mkdir()
    _project(root, tmp_path / "outside", tmp_path / "CANARY", {"pkg/\x1b[31mnamé.py": "x = 1\n"})
    done = subprocess.run([sys.executable, "-m", "gapfinder", "rank", str(root), "--no-git"], cwd=root,
                          capture_output=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "cp1252"})
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    table = done.stdout.decode("cp1252")
    assert "pkg.core" in table and "+--" in table  # drawn in ASCII
    assert b"\x1b" not in done.stdout + done.stderr
