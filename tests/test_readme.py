"""The README stays true: its commands are the ones CI runs, and it documents every option."""

from __future__ import annotations

import re
from pathlib import Path

from gapfinder.config import OPTIONS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_install_and_test_commands_ci_reads():
    install = README.index("<!-- install-command -->")
    test = README.index("<!-- test-command -->")
    assert install < test < README.index("## ")
    assert "gapfinder rank fixtures/" in README[install:test]
    assert "pytest" in README[test:].split("```")[1]


def test_every_configuration_key_is_documented():
    table = README[README.index("## Configuration"):]
    documented = set(re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE))
    assert documented == {o.name for o in OPTIONS}
