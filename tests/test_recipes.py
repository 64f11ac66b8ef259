"""The team recipes run as written: the GitHub Actions workflow in docs/recipes/ and the pre-commit
hooks in .pre-commit-hooks.yaml.

- Every `gapfinder ...` command in the workflow parses with the real command line.
- The workflow's `run:` steps run in bash, the way the runner runs them, on a git repository with a
  pull-request branch: the tests under coverage, gapfinder in pull-request mode, the gate. The gate
  must post the comment and then fail on exit 1, and fail at once (no comment) on exit 2.
- pre-commit installs the hooks from a tagged clone of this checkout and runs them.

The installs (pip from the tagged clone, pre-commit's own hook environment) take most of the time:
the default suite shares the test environment's third-party packages with them (PYTHONPATH), so
only gapfinder itself is installed; the tests marked `slow` install everything, as a CI job would.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import typer

from gapfinder.cli import app
from gapfinder.reports.pr import MARKER

yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit, a test dependency")

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "docs" / "recipes" / "github-actions.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
RELEASE_URL = "git+https://github.com/gapfinder/gapfinder@v0.1.0"
TAG = "v0.1.0"
# What pip needs to build and install gapfinder: the files a release tag carries for it.
RELEASE_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "gapfinder", "templates")

CORE = "def add(a, b):\n    total = a + b\n    return total\n"
RISKY = "\n\ndef risky(path):\n    with open(path) as handle:\n        data = handle.read()\n    return data.split()\n"
TESTED = "\n\ndef double(x):\n    return 2 * x\n"
PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "team-app"
version = "1.0"

[project.optional-dependencies]
test = ["pytest"]

[tool.setuptools]
packages = ["pkg"]
"""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
         "-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def workflow_steps() -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["gapfinder"]["steps"]


def gapfinder_commands() -> list[list[str]]:
    """Every gapfinder command line of the workflow's run steps, split as bash would."""
    commands = []
    for step in workflow_steps():
        script = step.get("run", "").replace("\\\n", " ")
        for line in script.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("gapfinder "):
                commands.append(shlex.split(line.replace("$GITHUB_BASE_REF", "main")))
    return commands


# --- the workflow's commands ---------------------------------------------------------------------

def test_the_readme_shows_the_workflow_file_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert WORKFLOW.read_text(encoding="utf-8") in readme
    assert RELEASE_URL in WORKFLOW.read_text(encoding="utf-8")


def test_every_gapfinder_command_in_the_workflow_parses() -> None:
    commands = gapfinder_commands()
    assert len(commands) == 2
    cli = typer.main.get_command(app)
    for argv in commands:
        assert argv[0] == "gapfinder"
        command = cli.get_command(None, argv[1])  # type: ignore[attr-defined]
        assert command is not None, argv
        # Parsing checks every option's name and value (choices, numbers) without running anything.
        context = command.make_context(argv[1], argv[2:])
        assert context.params["diff"] == "origin/main"
    assert {c[c.index("--format") + 1] for c in commands} == {"markdown", "github"}


def test_the_gate_never_swallows_bad_input() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "|| echo" not in text and "|| true" not in text
    assert 'if [ "$code" -ge 2 ]' in text


# --- running the workflow's steps ----------------------------------------------------------------

def team_repository(root: Path) -> Path:
    """A project on a pull-request branch, as actions/checkout with fetch-depth 0 leaves it:
    branch `untested` adds a function no test runs, branch `tested` one with its test."""
    root.mkdir()
    git(root, "init", "-q")
    write(root, {"pyproject.toml": PYPROJECT, "pkg/__init__.py": "", "pkg/core.py": CORE,
                 "tests/test_core.py": "from pkg.core import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
                 ".gitignore": ".coverage\n.gapfinder/\ngaps.md\n*.egg-info/\n"})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "core")
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(root, "checkout", "-q", "-b", "untested")
    write(root, {"pkg/core.py": CORE + RISKY})
    git(root, "commit", "-q", "-am", "a reader, no test")
    git(root, "checkout", "-q", "-b", "tested", "main")
    write(root, {"pkg/core.py": CORE + TESTED,
                 "tests/test_double.py": "from pkg.core import double\n\n\ndef test_double():\n    assert double(2) == 4\n"})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "double, with its test")
    return root


def shared_packages(folder: Path) -> Path:
    """The test environment's third-party packages without gapfinder, pip and setuptools: on
    PYTHONPATH they stand in for the dependencies pip would download (the installs under test
    still build and install gapfinder itself)."""
    folder.mkdir()
    purelib = Path(sysconfig.get_paths()["purelib"])
    left_out = re.compile(r"^(gapfinder|__editable__|pip|setuptools|_distutils_hack|distutils-precedence)", re.I)
    for entry in purelib.iterdir():
        if not left_out.match(entry.name) and not entry.name.endswith(".pth"):
            (folder / entry.name).symlink_to(entry)
    return folder


def release_clone(folder: Path) -> Path:
    """This checkout's release files committed in a fresh repository and tagged v0.1.0, the way the
    lead tags main: what the workflow's pip and pre-commit's `rev` install."""
    folder.mkdir()
    for name in RELEASE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, folder / name)
    git(folder, "init", "-q")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "release")
    git(folder, "tag", "-a", TAG, "-m", "gapfinder 0.1.0")
    return folder


def _condition_holds(condition: str, outputs: dict[str, dict[str, str]]) -> bool:
    match = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+) == '([^']*)'", condition.strip())
    assert match, f"the test does not know this condition: {condition}"
    step, name, value = match.groups()
    return outputs.get(step, {}).get(name) == value


def run_job(repo: Path, env: dict[str, str], *, installs: bool, release: Path | None = None) -> tuple[int, list[str]]:
    """The job's steps in order, as the runner would: each `run:` in bash (-e, and -o pipefail for
    `shell: bash`), a failed step ends the job, `if:` conditions read the steps' outputs. Returns the
    job's exit code and the names of the steps that ran; the comment step checks the comment."""
    outputs: dict[str, dict[str, str]] = {}
    ran: list[str] = []
    for step in workflow_steps():
        name = step.get("name") or step.get("uses") or step["run"]
        if "if" in step and not _condition_holds(step["if"], outputs):
            continue
        if "uses" in step:
            if step["uses"].startswith("marocchino/sticky-pull-request-comment"):
                comment = (repo / step["with"]["path"]).read_text(encoding="utf-8")
                assert comment.startswith(MARKER)  # the comment the action would post
                ran.append(name)
            continue  # checkout and setup-python: the fixture's repository and environment
        script = step["run"]
        if "pip install" in script and not installs:
            continue
        if release is not None:
            script = script.replace(RELEASE_URL, f"git+file://{release}@{TAG}")
        output_file = repo.parent / f"output-{len(ran)}"
        output_file.write_text("", encoding="utf-8")
        shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail"] if step.get("shell") == "bash" else ["bash", "-e"]
        done = subprocess.run([*shell, "-c", script], cwd=repo, capture_output=True, text=True,
                              env={**env, "GITHUB_OUTPUT": str(output_file)}, timeout=600)
        ran.append(name)
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
        if done.returncode != 0:
            return done.returncode, ran
    return 0, ran


def job_env(bin_folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_", "COVERAGE", "GAPFINDER"))}
    return {**env, "PATH": f"{bin_folder}{os.pathsep}{env.get('PATH', '')}", "GITHUB_BASE_REF": "main",
            "GITHUB_ACTIONS": "true", **extra}


GATE = "fail when under 80% of the change is tested"
COMMENT = "marocchino/sticky-pull-request-comment@v2"


def _scenarios(repo: Path, env: dict[str, str], installs: bool, release: Path | None) -> None:
    """Exit 1 (under-tested change): comment, then fail. Exit 0: comment, pass. Exit 2: fail, no comment."""
    git(repo, "checkout", "-q", "untested")
    code, ran = run_job(repo, env, installs=installs, release=release)
    assert code == 1 and ran[-2:] == [COMMENT, GATE], ran
    assert "**3 not run by any test**" in (repo / "gaps.md").read_text(encoding="utf-8")

    git(repo, "checkout", "-q", "tested")
    code, ran = run_job(repo, env, installs=False)
    assert code == 0 and ran[-1] == COMMENT and GATE not in ran, ran

    (repo / "gaps.md").unlink()
    code, ran = run_job(repo, {**env, "GITHUB_BASE_REF": "no-such-branch"}, installs=False)
    assert code == 2 and ran[-1] == "gapfinder in pull-request mode", ran
    assert not (repo / "gaps.md").exists()


def test_the_workflow_s_steps_run_and_the_gate_tells_exit_1_from_exit_2(tmp_path: Path) -> None:
    """This checkout's gapfinder (the test environment's) runs the steps after the installs."""
    repo = team_repository(tmp_path / "team")
    _scenarios(repo, job_env(Path(sys.executable).parent), installs=False, release=None)


def _job_environment(folder: Path, shared: Path | None) -> dict[str, str]:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    env = job_env(folder / "bin", VIRTUAL_ENV=str(folder), PIP_DISABLE_PIP_VERSION_CHECK="1")
    if shared:  # the shared packages' commands (coverage, pytest) come from the test environment
        env.update(PYTHONPATH=str(shared), PATH=f"{env['PATH']}{os.pathsep}{Path(sys.executable).parent}")
    return env


def test_the_whole_workflow_installs_gapfinder_from_the_tagged_release(tmp_path: Path) -> None:
    """Every step, installs too: gapfinder from a tagged clone of this checkout, through pip."""
    release = release_clone(tmp_path / "release")
    env = _job_environment(tmp_path / "job", shared_packages(tmp_path / "shared"))
    repo = team_repository(tmp_path / "team")
    _scenarios(repo, env, installs=True, release=release)
    installed = subprocess.run([str(tmp_path / "job" / "bin" / "python"), "-c",
                                "import gapfinder, sys; print(gapfinder.__file__)"],
                               cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert installed.startswith(str(tmp_path / "job"))  # the release's copy, not this checkout


@pytest.mark.slow
def test_the_whole_workflow_with_every_dependency_downloaded(tmp_path: Path) -> None:
    release = release_clone(tmp_path / "release")
    env = _job_environment(tmp_path / "job", None)
    _scenarios(team_repository(tmp_path / "team"), env, installs=True, release=release)


# --- pre-commit ----------------------------------------------------------------------------------

def _pre_commit(tmp_path: Path, shared: Path | None) -> None:
    release = release_clone(tmp_path / "release")
    repo = team_repository(tmp_path / "team")
    git(repo, "checkout", "-q", "untested")
    subprocess.run([sys.executable, "-m", "coverage", "run", "--branch", "-m", "pytest", "-q", "-p", "no:randomly",
                    "-p", "no:cacheprovider", "tests"], cwd=repo, check=True, capture_output=True)
    hooks = {h["id"] for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert hooks == {"gapfinder-gate", "gapfinder-diff"}
    config = {"repos": [{"repo": str(release), "rev": TAG, "hooks": [
        {"id": "gapfinder-gate", "args": ["--fail-under", "50"]},
        {"id": "gapfinder-diff", "args": ["--diff", "origin/main", "--fail-under", "80"]},
    ]}]}
    write(repo, {".pre-commit-config.yaml": yaml.safe_dump(config)})
    git(repo, "add", ".pre-commit-config.yaml")  # pre-commit refuses an unstaged configuration
    env = job_env(Path(sys.executable).parent, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
                  PIP_DISABLE_PIP_VERSION_CHECK="1", **({"PYTHONPATH": str(shared)} if shared else {}))
    done = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    out = done.stdout + done.stderr
    # The whole project is over 50% covered: the gate passes. The change is 1 of 4 statements: it fails.
    assert re.search(r"gapfinder gate .*Passed", out), out
    assert re.search(r"gapfinder pull-request mode .*Failed", out), out
    assert "coverage of the 4 changed statements since origin/main is 25.0%" in out, out
    assert done.returncode == 1


def test_the_pre_commit_hooks_run_from_a_tagged_clone(tmp_path: Path) -> None:
    _pre_commit(tmp_path, shared_packages(tmp_path / "shared"))


@pytest.mark.slow
def test_the_pre_commit_hooks_with_every_dependency_downloaded(tmp_path: Path) -> None:
    _pre_commit(tmp_path, None)
