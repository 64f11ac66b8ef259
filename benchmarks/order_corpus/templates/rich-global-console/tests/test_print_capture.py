import rich


def test_rich_print_renders_markup_and_emoji() -> None:
    console = rich.get_console()
    with console.capture() as capture:
        rich.print("[bold]hello[/bold] :smiley:")
    assert capture.get() == "hello 😃\n"
