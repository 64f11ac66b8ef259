"""doctor --run: tests that pass alone and fail together, found by running the suite and explained."""
