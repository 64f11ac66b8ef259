"""pytest plugin that `doctor --run` loads into the PROJECT's interpreter (copied to a temporary folder).

It imports nothing of gapfinder: the project's virtual environment does not have it (the network
is cut off by gapfinder_offline.py, loaded beside it). It reads its settings from the JSON file
named by $GAPFINDER_SUITE and writes JSON lines back; gapfinder reads only that data. What it does in the test process:
- runs the tests in the order it is given (deselecting the others), or collects and lists them;
- stops a test that runs past its timeout (SIGALRM, where the platform has it);
- with "record_state", records what each test left behind: environment variables, module globals
  and class attributes of the project's own modules, started patches, the event loop, sys.path, cwd.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import types

import pytest

_SETTINGS = json.load(open(os.environ["GAPFINDER_SUITE"], encoding="utf-8"))
_OUT = open(_SETTINGS["results"], "a", encoding="utf-8", buffering=1)
_ROOT = os.path.realpath(_SETTINGS["root"]) + os.sep
_PREFIXES = tuple(os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})


def _emit(record: dict) -> None:
    _OUT.write(json.dumps(record, default=repr) + "\n")


# -- order and collection -----------------------------------------------------------------------

def pytest_collection_modifyitems(session, config, items):
    order = _SETTINGS.get("order")
    if _SETTINGS.get("collect_only"):
        _emit({"rootdir": str(getattr(config, "rootpath", None) or config.rootdir)})
        for item in items:
            _emit({"collected": item.nodeid, "location": _location(item)})
    if order is None:
        return
    by_id = {item.nodeid: item for item in items}
    chosen = [by_id[nodeid] for nodeid in order if nodeid in by_id]
    wanted = set(order)
    deselected = [item for item in items if item.nodeid not in wanted]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = chosen
    missing = [nodeid for nodeid in order if nodeid not in by_id]
    if missing:
        _emit({"missing": missing})


def _location(item) -> list:
    path, line, _ = item.location
    return [path, (line or 0) + 1]


# -- per-test timeout ---------------------------------------------------------------------------

class TestTimeout(Exception):
    """Raised in the test's thread when it runs past gapfinder's per-test timeout."""


def _alarm(signum, frame):
    raise TestTimeout(f"test ran past gapfinder's {_SETTINGS.get('test_timeout')} s timeout")


_CAN_ALARM = hasattr(signal, "setitimer") and bool(_SETTINGS.get("test_timeout"))


# -- state a test leaves behind ------------------------------------------------------------------

def _ids(values, limit=500):
    return tuple(id(v) for v in list(values)[:limit])


def _shallow(value):
    """A signature that changes when a value is rebound or a container's content changes."""
    if isinstance(value, dict):
        return ("dict", id(value), len(value), frozenset((id(k), id(v)) for k, v in list(value.items())[:500]))
    if isinstance(value, (list, tuple)):
        return ("seq", id(value), len(value), _ids(value))
    if isinstance(value, (set, frozenset)):
        return ("set", id(value), len(value), frozenset(_ids(value)))
    if hasattr(value, "cache_info") and callable(value):
        try:
            return ("cache", id(value), value.cache_info().currsize)
        except Exception:
            return ("obj", id(value))
    return ("obj", id(value))


def _attrs(namespace) -> dict:
    out = {}
    for key, value in list(namespace.items()):
        if key.startswith("__") or isinstance(value, (types.FunctionType, staticmethod, classmethod, property)):
            continue
        out[key] = _shallow(value)
    return out


def _project_module(module) -> bool:
    path = getattr(module, "__file__", None)
    if not path:
        return False
    try:
        path = os.path.realpath(path)
    except (OSError, ValueError):
        return False
    return path.startswith(_ROOT) and not path.startswith(_PREFIXES) and "site-packages" not in path


def _module_state(name, module, seen: set) -> dict:
    """Signatures of a module's globals, its own classes' attributes and its objects' attributes; an
    object reached from several modules is recorded once, under the first module (seen: object ids)."""
    state = {}
    for key, value in list(vars(module).items()):
        if key.startswith("__") or isinstance(value, (types.ModuleType, types.FunctionType)):
            continue
        if isinstance(value, type):
            if getattr(value, "__module__", None) == name:
                for attr, sig in _attrs(vars(value)).items():
                    state[(f"{name}.{key}.{attr}", "singleton")] = sig
            continue
        state[(f"{name}.{key}", "cache" if getattr(value, "cache_info", None) else "global")] = _shallow(value)
        inner = getattr(value, "__dict__", None)
        if isinstance(inner, dict) and id(value) not in seen:
            seen.add(id(value))
            for attr, sig in _attrs(inner).items():
                kind = "overrides" if attr == "dependency_overrides" else "global"
                state[(f"{name}.{key}.{attr}", kind)] = sig
    return state


def _is_test_module(module) -> bool:
    base = os.path.basename(getattr(module, "__file__", "") or "")
    return base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py"


def _loop_state():
    policy = getattr(asyncio.events, "_event_loop_policy", None)
    loop = getattr(getattr(policy, "_local", None), "_loop", None) if policy is not None else None
    return None if loop is None else (id(loop), loop.is_closed())


def _active_patches() -> list:
    try:
        from unittest import mock
        return list(getattr(mock._patch, "_active_patches", []))
    except Exception:
        return []


def _patch_name(patcher) -> str:
    target = getattr(patcher, "target", None)
    owner = getattr(target, "__name__", None) or type(target).__name__
    return f"{owner}.{getattr(patcher, 'attribute', '?')}"


def _snapshot() -> dict:
    modules, seen = {}, set()
    project = [(n, m) for n, m in list(sys.modules.items()) if m is not None and n != __name__ and _project_module(m)]
    for name, module in sorted(project, key=lambda item: (_is_test_module(item[1]), item[0])):  # product code first
        try:
            modules.update(_module_state(name, module, seen))
        except Exception:
            continue
    return {"env": dict(os.environ), "modules": modules, "names": {name for name, _ in project}, "patches": _active_patches(), "loop": _loop_state(),
            "path": list(sys.path), "cwd": os.getcwd()}


def _owner_existed(name: str, modules: set) -> bool:
    parts = name.split(".")
    return any(".".join(parts[:n]) in modules for n in range(1, len(parts)))


def _left_behind(before: dict, after: dict) -> list:
    changes = []
    for key in sorted(set(before["env"]) | set(after["env"])):
        if key != "PYTEST_CURRENT_TEST" and before["env"].get(key) != after["env"].get(key):
            how = "set" if key not in before["env"] else "removed" if key not in after["env"] else "changed"
            changes.append({"kind": "env", "name": key, "how": how})
    for (name, kind), sig in after["modules"].items():
        old = before["modules"].get((name, kind))
        kind = "singleton" if kind == "cache" else kind
        if old is not None and old != sig:
            changes.append({"kind": kind, "name": name, "how": "changed"})
        elif old is None and _owner_existed(name, before["names"]):
            # a new attribute of a module or class that was already there (setup_class, a lazy singleton)
            changes.append({"kind": kind, "name": name, "how": "set"})
    for patcher in after["patches"]:
        if not any(patcher is old for old in before["patches"]):
            changes.append({"kind": "patch", "name": _patch_name(patcher), "how": "still active"})
    if before["loop"] != after["loop"] and after["loop"] is None and before["loop"] is not None:
        changes.append({"kind": "event_loop", "name": "event loop", "how": "unset"})
    elif after["loop"] is not None and after["loop"][1] and before["loop"] != after["loop"]:
        changes.append({"kind": "event_loop", "name": "event loop", "how": "closed and left current"})
    if before["path"] != after["path"]:
        changes.append({"kind": "module", "name": "sys.path", "how": "changed"})
    if before["cwd"] != after["cwd"]:
        changes.append({"kind": "other", "name": "working directory", "how": "changed"})
    return changes


# -- running -------------------------------------------------------------------------------------

_reports: dict = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _emit({"started": item.nodeid})
    record = _SETTINGS.get("record_state")
    before = _snapshot() if record else None
    started = time.monotonic()
    if _CAN_ALARM:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, float(_SETTINGS["test_timeout"]))
    try:
        yield
    finally:
        if _CAN_ALARM:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    outcome, message = _outcome(_reports.pop(item.nodeid, []))
    record_line = {"test": item.nodeid, "outcome": outcome, "message": message, "location": _location(item),
                   "seconds": round(time.monotonic() - started, 4)}
    if record:
        record_line["left"] = _left_behind(before, _snapshot())
    _emit(record_line)


def pytest_runtest_logreport(report):
    _reports.setdefault(report.nodeid, []).append(report)


def _outcome(reports) -> tuple:
    """passed, failed (the test's call), error (setup or teardown), skipped, xfailed or xpassed."""
    for report in reports:
        if hasattr(report, "wasxfail"):
            return ("xfailed" if report.skipped else "xpassed"), None
    for report in reports:
        if report.failed:
            return ("failed" if report.when == "call" else "error"), _message(report)
    if any(report.skipped for report in reports):
        return "skipped", None
    return ("passed" if reports else "error"), None


def _message(report) -> str:
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    text = getattr(crash, "message", None) or str(getattr(report, "longrepr", ""))
    return text.strip().splitlines()[0][:500] if text.strip() else ""
