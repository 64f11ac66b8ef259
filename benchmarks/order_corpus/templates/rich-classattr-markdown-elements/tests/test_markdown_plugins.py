import io

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Heading, Markdown
from rich.text import Text


class LeftHeading(Heading):
    """A heading rendered flush left, as a plain line."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(f"{self.tag.upper()}: {self.text.plain}")


def test_custom_heading_element() -> None:
    Markdown.elements["heading_open"] = LeftHeading
    console = Console(file=io.StringIO(), width=40, color_system=None)
    console.print(Markdown("# Title"))
    assert console.file.getvalue() == "H1: Title\n"
