"""Keep the last `doctor --run` in the project's data folder, so `progress` can show flaky and
order-dependent counts without running anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gapfinder.core.files import load, store
from gapfinder.doctor.suite.model import SuiteHealth

FILE = "suite-health.json"
KEY = "suite-health/v1"


def record_health(data_folder: Path, health: SuiteHealth) -> None:
    store(data_folder / FILE, KEY, {
        "tests": health.tests,
        "order_dependent": [{"victim": v.victim, "polluters": list(v.polluters)} for v in health.order_dependent],
        "flaky": [{"test": f.test, "flip_rate": f.flip_rate} for f in health.flaky],
        "failing": list(health.failing),
    })


def recorded_health(data_folder: Path) -> dict[str, Any] | None:
    """The last run's counts ({"tests", "order_dependent", "flaky", "failing"}), or None."""
    return load(data_folder / FILE, KEY, _checked)


def _checked(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("tests"), int):
        raise ValueError("not a suite-health record")
    for key in ("order_dependent", "flaky", "failing"):
        if not isinstance(value.get(key), list):
            raise ValueError(f"{key} is not a list")
    return {"tests": value["tests"], **{k: len(value[k]) for k in ("order_dependent", "flaky", "failing")}}
