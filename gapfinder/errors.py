"""The few errors gapfinder raises on bad input; cli.py catches GapfinderError once.

Each carries one sentence for the user and, optionally, a hint that says how to fix it.
"""

from __future__ import annotations


class GapfinderError(Exception):
    """Bad input or a state the user can fix: reported as one line, exit code 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class ConfigError(GapfinderError):
    """The [tool.gapfinder] table or a command-line option is wrong."""


class CoverageDataError(GapfinderError):
    """Coverage data is missing, corrupt, or does not describe this project."""


class ProjectError(GapfinderError):
    """The path to analyse is missing, empty, or outside the project."""
