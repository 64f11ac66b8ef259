"""Shared test helpers: where the fixture projects live."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES

# Session fixtures that run coverage for real on the fixture projects (tests/coverage_runs.py).
pytest_plugins = ["coverage_runs"]
