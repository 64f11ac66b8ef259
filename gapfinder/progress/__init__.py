"""`gapfinder progress`: count the tests pytest would collect, statically, classify them by kind,
and keep the history toward a target."""
