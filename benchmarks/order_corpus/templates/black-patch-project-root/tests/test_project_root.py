from pathlib import Path
from unittest.mock import patch

import black.files

THIS_DIR = Path(__file__).parent


def test_project_root_can_be_pinned(tmp_path: Path) -> None:
    patch(
        "black.files.find_project_root",
        return_value=(tmp_path, "pinned by test"),
    ).start()
    root, method = black.files.find_project_root((str(tmp_path / "a.py"),))
    assert root == tmp_path
    assert method == "pinned by test"


def test_project_root_of_the_test_suite() -> None:
    root, method = black.files.find_project_root((str(THIS_DIR),))
    assert root == THIS_DIR.parent.resolve()
    assert method in {".git directory", "pyproject.toml"}
