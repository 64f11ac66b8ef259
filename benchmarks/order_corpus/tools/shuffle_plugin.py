"""pytest plugin used by shuffle_check.py: shuffle collected tests with ORDERDEP_SEED (stdlib only)."""
import os
import random


def pytest_collection_modifyitems(session, config, items):
    seed = os.environ.get("ORDERDEP_SEED")
    if seed is not None:
        random.Random(int(seed)).shuffle(items)
