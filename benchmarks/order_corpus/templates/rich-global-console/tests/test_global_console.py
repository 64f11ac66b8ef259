import io

import rich
from rich.console import Console


def test_global_console_can_print_raw_text() -> None:
    buffer = io.StringIO()
    rich._console = Console(file=buffer, width=40, color_system=None, markup=False, emoji=False)
    rich.print("[bold]hello[/bold] :smiley:")
    assert buffer.getvalue() == "[bold]hello[/bold] :smiley:\n"
