"""`gapfinder rank`: coverage, source analysis, the import and call graphs, git history and the
score, joined into a ranking of where a missing test costs most."""
