"""Escaping for the places a report's text lands: a terminal, a Markdown cell or code span, a URI.

Text in reports comes from the analysed tree (file names, module names, code), so it may hold
terminal escape sequences, undecodable bytes (surrogates), backticks or pipes.
"""

from __future__ import annotations

import re
import sys
from urllib.parse import quote

# C0 and C1 control characters but newline and tab, DEL, and lone surrogates (undecodable file names).
# A carriage return right before a newline stays: it ends a line of a CRLF file in a --fix diff, which
# `git apply` must see as it is, and it cannot move the cursor anywhere a newline does not.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\r(?!\n)")


def terminal_safe(text: str) -> str:
    """Control characters and undecodable bytes shown as escapes (\\x1b, \\udcff), never sent raw."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def md_cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def md_code(text: str) -> str:
    """A Markdown code span that holds text as it is, backticks included."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def uri_path(path: str) -> str:
    """A relative path as a URI reference: spaces, #, ?, % and the like percent-encoded."""
    return quote(path, safe="/")


def stdout_is_utf8() -> bool:
    return (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "") in (
        "utf8", "utf8sig")


def gh_data(text: str) -> str:
    """A GitHub workflow command's message: %, CR and LF escaped as the runner decodes them."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: str) -> str:
    """A GitHub workflow command's property value (file=, title=): also ':' and ','."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")
