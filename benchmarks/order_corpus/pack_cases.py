#!/usr/bin/env python3
"""Pack templates/<case>/ plus the metadata below into cases.json (stdlib only).

The test files under templates/ are ours (not third-party), so their full text is stored in
cases.json; setup.py lays them into copies of the real projects. A file named `X.append` is
appended to the project's existing file X instead of being created.
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
C = "/work/corpora"

PROJECTS = [
    {
        "name": "rich", "repo": "Textualize/rich", "commit": "26152e9cc95eef9c8f363d7bf1dfda426275348d",
        "tree": f"{C}/rankeval/rich/26152e9cc95e/tree", "python": f"{C}/rankeval/rich/26152e9cc95e/venv/bin/python",
        "venv_recipe": "python3.11 -m venv venv && venv/bin/pip install -q -e tree pytest 'attrs<24' coverage",
        "paths": ["tests"], "env": {}, "pytest_args": [],
        "baseline_note": "10 tests fail in every order before injection (test_card, test_markdown::test_inline_code, 8 in test_syntax: pygments version)",
    },
    {
        "name": "black", "repo": "psf/black", "commit": "2630801f95178dd95ac7f6d5bc9914d50767651e",
        "tree": f"{C}/rankeval/black/2630801f9517/tree", "python": f"{C}/rankeval/black/2630801f9517/venv/bin/python",
        "venv_recipe": "python3.11 -m venv venv && venv/bin/pip install -q -e 'tree[d]' 'pytest<8.4' coverage",
        "paths": ["tests/test_black.py", "tests/test_project_root.py", "tests/test_ranges.py",
                  "tests/test_tokenize.py", "tests/test_trans.py", "tests/test_user_config.py"],
        "env": {"PYTHONPATH": "src"}, "pytest_args": [],
        "baseline_note": "25 tests of tests/test_black.py fail in every order before injection (DeprecationWarning-as-error, stdin piping); full suite is ~3 min so the subset is used",
    },
    {
        "name": "authx", "repo": "yezz123/authx", "sdist": "authx==1.7.1",
        "tree": f"{C}/scaffold/authx/tree", "python": f"{C}/scaffold/authx/venv/bin/python",
        "venv_recipe": "see benchmarks/scaffold_corpus/corpus.json (authx)",
        "paths": ["tests"], "env": {}, "pytest_args": ["-p", "no:pretty"],
        "baseline_note": "486 passed before injection",
    },
    {
        "name": "fastapi-boilerplate-benavlabs", "repo": "benavlabs/FastAPI-boilerplate",
        "commit": "b88fe20cb656752a50bcf78ffec2243d5ae7fc45",
        "tree": f"{C}/scaffold/fastapi-boilerplate-benavlabs/tree",
        "python": f"{C}/scaffold/fastapi-boilerplate-benavlabs/venv/bin/python",
        "venv_recipe": "see benchmarks/scaffold_corpus/corpus.json (fastapi-boilerplate-benavlabs)",
        "paths": ["tests"], "env": {"SECRET_KEY": "benchmark-secret-key-0123456789abcdef0123456789"},
        "pytest_args": [], "baseline_note": "11 passed before injection",
    },
    {
        "name": "aiosmtplib", "repo": "cole/aiosmtplib", "sdist": "aiosmtplib==5.1.3",
        "tree": f"{C}/scaffold/aiosmtplib/tree", "python": f"{C}/scaffold/aiosmtplib/venv/bin/python",
        "venv_recipe": "see benchmarks/scaffold_corpus/corpus.json (aiosmtplib)",
        "paths": ["tests"], "env": {}, "pytest_args": [],
        "baseline_note": "25-26 tests fail before injection (24 injection-hardening tests newer than the stdlib email module here; test_main::test_command_line_send fails alone, seen passing once in the full suite)",
    },
]

# name, project, kind, polluter, victim, state, match tokens, same_file, fails_in_file_order
CASES = [
    ("rich-global-console", "rich", "global",
     "tests/test_global_console.py::test_global_console_can_print_raw_text",
     "tests/test_print_capture.py::test_rich_print_renders_markup_and_emoji",
     "rich._console", ["_console"], True),
    ("rich-classattr-markdown-elements", "rich", "singleton",
     "tests/test_markdown_plugins.py::test_custom_heading_element",
     "tests/test_markdown_heading.py::test_h1_is_drawn_in_a_centered_panel",
     "rich.markdown.Markdown.elements", ["Markdown.elements", "elements"], False),
    ("black-lru-user-config", "black", "singleton",
     "tests/test_user_config.py::test_user_config_follows_xdg_config_home",
     "tests/test_black.py::UserConfigDefaultTestCase::test_user_config_defaults_to_home_config_dir",
     "black.files.find_user_pyproject_toml", ["find_user_pyproject_toml"], False),
    ("black-patch-project-root", "black", "patch",
     "tests/test_project_root.py::test_project_root_can_be_pinned",
     "tests/test_project_root.py::test_project_root_of_the_test_suite",
     "black.files.find_project_root", ["find_project_root"], True),
    ("authx-global-logger-level", "authx", "global",
     "tests/internal/test_quiet_logging.py::test_set_log_level_silences_info",
     "tests/internal/test_logger.py::test_log_info",
     "authx._internal._logger.log (level of logging.getLogger('authx'))", ["_logger", "set_log_level"], False),
    ("authx-patch-days-ago", "authx", "patch",
     "tests/internal/test_yesterday.py::test_is_yesterday_compares_against_days_ago",
     "tests/internal/test_utils.py::test_is_yesterday",
     "authx._internal._utils.days_ago", ["days_ago"], False),
    ("authx-env-cookie-samesite", "authx", "env",
     "tests/test_config_env.py::test_cookie_samesite_is_read_from_environment",
     "tests/test_cookie_defaults.py::test_default_cookie_samesite_policy",
     "JWT_COOKIE_SAMESITE", ["JWT_COOKIE_SAMESITE"], True),
    ("benavlabs-overrides-current-user", "fastapi-boilerplate-benavlabs", "overrides",
     "tests/test_me_endpoint.py::test_read_me_returns_authenticated_user",
     "tests/test_auth_required.py::test_read_me_requires_a_token",
     "app.dependency_overrides", ["dependency_overrides"], False),
    ("aiosmtplib-event-loop-shared", "aiosmtplib", "event_loop",
     "tests/test_loop_debug.py::test_protocol_on_debug_loop",
     "tests/test_loop_defaults.py::test_protocol_uses_running_loop_defaults",
     "session-scoped asyncio event loop (set_debug / slow_callback_duration left changed)",
     ["set_debug", "slow_callback_duration", "event loop", "event_loop", "loop_scope"], True),
    ("aiosmtplib-classattr-auth-methods", "aiosmtplib", "singleton",
     "tests/test_auth_preferences.py::test_client_can_be_limited_to_login_auth",
     "tests/test_auth_negotiation.py::test_supported_auth_methods_prefer_cram_md5",
     "aiosmtplib.SMTP.AUTH_METHODS", ["AUTH_METHODS"], False),
]


# Publicly reported order-dependent tests, reproduced at the reported commit (or the newest
# snapshot that predates the report, when the named commit is not in the mirror).
PUBLIC = [
    {
        "name": "observed-pr24", "repo": "DanielSank/observed", "kind": "singleton",
        "kind_note": "class attribute TestBasics.buf, reset only in setup_class (scope wider than the state)",
        "report": "https://github.com/DanielSank/observed/pull/24",
        "report_says": "test_callbacks can fail when run after test_discard (pytest-random-order); "
                       "setup_class runs once, so TestBasics.buf keeps the entries test_discard left",
        "commit": "d99fb99ff2a470a86efb2763685e8e2c021e799f",
        "fix_commit": "90cc297b909e83bf1758ae93eec26190d9f54aa6",
        "commit_note": "parent of the fix commit of PR #24",
        "base_python": "python3.11",
        "install": ["$VENV/bin/pip install -q 'pytest==9.2.0'"],
        "python": "{work}/_venvs/observed-pr24/bin/python", "root": ".", "paths": ["observed_test.py"],
        "env": {}, "pytest_args": [],
        "polluter": "observed_test.py::TestBasics::test_discard",
        "victim": "observed_test.py::TestBasics::test_callbacks",
        "other_victims": [],
        "state": "TestBasics.buf (class attribute set once in setup_class)",
        "match": ["buf", "setup_class"],
    },
    {
        "name": "tokentelemetry-294", "repo": "VasiHemanth/tokentelemetry", "kind": "env",
        "report": "https://github.com/VasiHemanth/tokentelemetry/issues/294",
        "fix": "https://github.com/VasiHemanth/tokentelemetry/pull/331",
        "report_says": "backend/test_agent_retention.py::_fresh_module() sets TOKENTELEMETRY_DATA_DIR in "
                       "os.environ and never restores it; test_power_config.py then reads an empty "
                       "data dir: 'pytest test_agent_retention.py test_power_config.py' -> 11 failed, 11 passed",
        "commit": "8b9688d2d3ab598169eda539350dad2c8134547d",
        "commit_note": "newest commit of the stored snapshot (2026-08-21); the issue (2026-08-25) names "
                       "a125dca, not in the snapshot, and says the failures predate it",
        "base_python": "python3.11",
        "install": ["$VENV/bin/pip install -q 'fastapi==0.165.0' 'uvicorn[standard]==0.54.0' "
                    "'PyYAML==6.0.4' 'zstandard==0.25.0' 'pytest==9.2.0' 'httpx==0.28.1'"],
        "python": "{work}/_venvs/tokentelemetry-294/bin/python", "root": "backend", "paths": ["."],
        "env": {}, "pytest_args": [],
        "polluter": "test_agent_retention.py::test_claude_default_is_30_when_no_settings",
        "victim": "test_power_config.py::test_malformed_file_falls_back_to_defaults",
        "other_victims": "the other 10 tests of test_power_config.py that fail after test_agent_retention.py",
        "state": "TOKENTELEMETRY_DATA_DIR", "match": ["TOKENTELEMETRY_DATA_DIR"],
    },
    {
        "name": "fastapi-16368", "repo": "fastapi/fastapi", "kind": "global",
        "report": "https://github.com/fastapi/fastapi/pull/16368",
        "report_says": "tests/test_dependency_contextmanager.py keeps a module-level `state` dict that the "
                       "app's yield dependencies mutate; 'pytest ...::test_sync_async_state ...::test_async_state' "
                       "fails test_async_state (assert state['/async'] == 'asyncgen not started')",
        "commit": "c3f316b7e814667e8ee81e03a7330d00ee61e45c",
        "commit_note": "newest commit of the stored snapshot (2026-08-19); the PR (opened 2026-09-16, not merged "
                       "in the snapshot) fixes the same file, unchanged since 2025-12-17",
        "base_python": "python3.11",
        "install": ["$VENV/bin/pip install -q -e . 'pytest==9.2.0' 'pytest-timeout==2.4.0' 'httpx==0.28.1' "
                    "'httpx2==2.16.2' 'starlette==1.3.1' 'pydantic==2.13.4' 'anyio==4.12.1' "
                    "'inline-snapshot==0.36.1' 'dirty-equals==0.11'"],
        "python": "{work}/_venvs/fastapi-16368/bin/python", "root": ".",
        "paths": ["tests/test_dependency_contextmanager.py"], "env": {}, "pytest_args": [],
        "polluter": "tests/test_dependency_contextmanager.py::test_sync_async_state",
        "victim": "tests/test_dependency_contextmanager.py::test_async_state",
        "other_victims": "test_sync_state, test_async_raise_other, test_sync_raise_other (per the PR)",
        "state": "tests/test_dependency_contextmanager.py: module-level `state` dict",
        "match": ["test_dependency_contextmanager.state", "`state`", "'state'", "\"state\"", "state["],
        "names": ["state"],
    },
]


def files_of(case: str) -> list:
    out = []
    root = HERE / "templates" / case
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        mode = "append" if rel.endswith(".append") else "create"
        out.append({"path": rel[: -len(".append")] if mode == "append" else rel,
                    "mode": mode, "content": path.read_text(encoding="utf-8")})
    return out


def main() -> None:
    old = {}
    target = HERE / "cases.json"
    if target.exists():
        data = json.loads(target.read_text())
        old = {c["name"]: c.get("verified") for c in data.get("cases", []) + data.get("public", [])}
    public = [dict(c, origin="public", verified=old.get(c["name"]),
                   same_file=c["polluter"].split("::")[0] == c["victim"].split("::")[0]) for c in PUBLIC]
    cases = []
    for name, project, kind, polluter, victim, state, match, fails_in_order in CASES:
        same_file = polluter.split("::")[0] == victim.split("::")[0]
        cases.append({
            "name": name, "project": project, "kind": kind, "origin": "injected",
            "polluter": polluter, "victim": victim, "state": state, "match": match,
            "same_file": same_file, "victim_fails_in_file_order": fails_in_order,
            "files": files_of(name), "verified": old.get(name),
        })
    doc = {
        "format_version": 1,
        "about": (
            "Order-dependence benchmark for `gapfinder doctor --run`. `projects`: real projects "
            "copied from the tree at `tree` (pinned by repo+commit or sdist) into WORK/<name>/ and run "
            "with the existing interpreter `python` (venv_recipe says how it was built); `paths` are "
            "the pytest paths to run (relative to the copy), `env` is added to the environment. "
            "`cases`: one injected polluter+victim pair each; `files` are laid into the copy "
            "(mode create = new file, append = appended to an existing test file); the victim passes "
            "alone and fails when the polluter runs before it; `state` names the shared state and "
            "`match` lists tokens of which one must appear in gapfinder's shared_state[].name or "
            "explanation. `public`: publicly reported order-dependent tests reproduced at the "
            "reported commit. Nothing third-party is stored here: only ids, recipes and our test files."
        ),
        "projects": PROJECTS, "cases": cases, "public": public,
    }
    target.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {target}: {len(PROJECTS)} projects, {len(cases)} injected, {len(public)} public")


if __name__ == "__main__":
    main()
