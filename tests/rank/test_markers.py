"""Risk is read from code: imports, calls, decorators, base classes and names, never from prose."""

from __future__ import annotations

import textwrap

from gapfinder.rank.analysis import analyse_source

PROSE_ONLY = '''\
"""Handles the websocket session, the JWT bearer token, the password and the admin permission."""

# websocket, jwt, oauth, password, permission, is_admin, current_user, role: all only in words here.
HELP = "send the password over the websocket with a bearer token and check the user's role"


def describe(item):
    """Return the access_token and refresh_token of the current_user (has_perm, is_superuser)."""
    return f"{item} - websocket password role"  # authorization happens elsewhere
'''

CODE = '''\
import jwt
from fastapi import WebSocket


async def stream(websocket: WebSocket, current_user):
    await websocket.accept()
    if not current_user.is_admin:
        return None
    return jwt.decode(await websocket.receive_text(), "k", algorithms=["HS256"])


def hash_password(password: str) -> str:
    return password[::-1]
'''


def _kinds(source: str) -> set[str]:
    info = analyse_source(textwrap.dedent(source).encode(), "app/mod.py", "app.mod")
    return {m.kind for m in info.markers if m.category in ("auth", "io")}


def test_words_in_docstrings_comments_and_strings_are_no_risk() -> None:
    assert _kinds(PROSE_ONLY) == set()


def test_the_same_words_in_code_are() -> None:
    assert _kinds(CODE) == {"websocket", "token", "permission", "password"}


def test_evidence_points_at_the_code() -> None:
    info = analyse_source(CODE.encode(), "app/mod.py", "app.mod")
    websocket = next(m for m in info.markers if m.kind == "websocket")
    assert websocket.line == 6 and "websocket.accept" in websocket.evidence
    token = next(m for m in info.markers if m.kind == "token")
    assert token.line == 1 and token.evidence == "import jwt"


def test_non_ascii_lines_blank_the_right_columns() -> None:
    source = 'NOTE = "é, the password"\ncurrent_user = None  # naïve\n'
    assert _kinds(source) == {"permission"}
