"""gapfinder: find where a Python test suite is weakest, and draft the missing tests."""

__version__ = "0.1.0"
