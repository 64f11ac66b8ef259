"""Fixtures for scaffold's tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("scaffold")


@pytest.fixture(scope="module", autouse=True)
def active_virtualenv():
    """The interpreter running these tests is the fixture projects' one, as an active venv would be
    for a user: scaffold asks it about third-party classes (autospec) and runs drafts with it.
    Module scope: set before the module-scoped scaffold runs, gone before other folders' tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VIRTUAL_ENV", sys.prefix)
        yield
