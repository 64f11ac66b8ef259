import io

from rich.console import Console
from rich.markdown import Markdown


def test_h1_is_drawn_in_a_centered_panel() -> None:
    console = Console(file=io.StringIO(), width=20, color_system=None)
    console.print(Markdown("# Title"))
    lines = console.file.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("┏") and lines[2].startswith("┗")
    assert "Title" in lines[1]
    assert lines[1].index("Title") > 5
