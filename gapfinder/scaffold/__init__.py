"""`gapfinder scaffold`: draft the missing tests of a module (pipeline.py is the entry point)."""
