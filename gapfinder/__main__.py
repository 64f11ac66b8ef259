"""`python -m gapfinder` runs the same CLI as the `gapfinder` script."""

from gapfinder.cli import main

main()
