"""gapfinder doctor: lint tests for mock-shape defects, and triage JUnit failures.

    lint(paths, codes) -> LintResult        (lint.py; rules in rules.py)
    fix_files(findings) -> FixResult       (fix.py: libcst rewrites, diff first)
    triage(junit_files, findings) -> TriageResult   (triage.py)
"""

from gapfinder.doctor.lint import lint
from gapfinder.doctor.rules import RULES, select_rules

__all__ = ["RULES", "lint", "select_rules"]
