"""Risk marker rules: which imports, calls, decorators, base classes and names in code say "this module does I/O, runs
concurrently, handles auth or errors, or serves web routes".

The scan in astscan.py asks these functions once per distinct name; answers are memoised, so the
per-node cost is one dict lookup. Each rule answers with a (category, kind) pair or None.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

Kind = Optional[tuple[str, str]]

DATABASE = ("io", "database")
HTTP = ("io", "http")
REDIS = ("io", "redis")
WEBSOCKET = ("io", "websocket")
FILE = ("io", "file")
SUBPROCESS = ("io", "subprocess")
ASYNC = ("concurrency", "async")
TASK = ("concurrency", "task")
THREAD = ("concurrency", "thread")
LOCK = ("concurrency", "lock")
TOKEN = ("auth", "token")
PASSWORD = ("auth", "password")
PERMISSION = ("auth", "permission")
CRYPTO = ("auth", "crypto")
EXCEPT = ("errors", "except")
BARE_EXCEPT = ("errors", "bare-except")
RAISE = ("errors", "raise")
ROUTE = ("web", "route")

# Imported (or called) modules, matched on the longest dotted prefix.
_MODULES: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        ("sqlalchemy", "sqlmodel", "asyncpg", "psycopg", "psycopg2", "sqlite3", "aiosqlite", "pymongo",
         "motor", "django.db", "peewee", "tortoise", "databases", "aiomysql", "pymysql", "MySQLdb"),
        DATABASE),
    **dict.fromkeys(("httpx", "requests", "aiohttp", "urllib.request", "urllib3", "http.client"), HTTP),
    **dict.fromkeys(("redis", "aioredis"), REDIS),
    **dict.fromkeys(("websockets", "websocket", "starlette.websockets", "fastapi.websockets"), WEBSOCKET),
    **dict.fromkeys(("shutil", "aiofiles", "tempfile"), FILE),
    "subprocess": SUBPROCESS,
    **dict.fromkeys(("threading", "multiprocessing", "concurrent.futures"), THREAD),
    **dict.fromkeys(("jwt", "jose", "authlib", "oauthlib", "itsdangerous"), TOKEN),
    **dict.fromkeys(("bcrypt", "passlib", "argon2"), PASSWORD),
    **dict.fromkeys(("cryptography", "hmac", "secrets", "hashlib", "Crypto", "nacl"), CRYPTO),
    **dict.fromkeys(("rest_framework.decorators", "rest_framework.views", "rest_framework.viewsets",
                     "django.urls"), ROUTE),
}

# Last part of a call target, whatever the receiver.
_LAST: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("AsyncSession", "Session", "sessionmaker", "async_sessionmaker", "create_engine",
                     "create_async_engine"), DATABASE),
    **dict.fromkeys(("AsyncClient", "ClientSession"), HTTP),
    **dict.fromkeys(("read_text", "write_text", "read_bytes", "write_bytes"), FILE),
    **dict.fromkeys(("create_task", "gather", "ensure_future", "wait_for", "TaskGroup", "as_completed"), TASK),
    **dict.fromkeys(("ThreadPoolExecutor", "ProcessPoolExecutor", "run_in_executor", "to_thread"), THREAD),
    **dict.fromkeys(("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event", "Condition"), LOCK),
    **dict.fromkeys(("create_subprocess_exec", "create_subprocess_shell"), SUBPROCESS),
    **dict.fromkeys(("OAuth2PasswordBearer", "HTTPBearer", "encode_jwt", "decode_jwt"), TOKEN),
    **dict.fromkeys(("add_api_route", "add_url_rule", "add_websocket_route", "include_router", "re_path"),
                    ROUTE),
}
_EXACT: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("open", "io.open", "os.remove", "os.unlink", "os.rename", "os.replace", "os.makedirs",
                     "os.mkdir", "os.rmdir"), FILE),
    **dict.fromkeys(("os.system", "os.popen"), SUBPROCESS),
    "asyncio.wait": TASK,
    "django.urls.path": ROUTE,
}
_DB_METHODS = frozenset(
    ("execute", "executemany", "commit", "rollback", "scalars", "scalar", "fetch", "fetchrow", "fetchval",
     "fetchall", "fetchone", "flush", "refresh")
)
_DB_RECEIVERS = ("session", "db", "conn", "cursor", "engine", "transaction", "tx")
_HTTP_VERBS = frozenset(("get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream"))
_WS_METHODS = frozenset(("accept", "send_text", "send_json", "send_bytes", "receive_text", "receive_json",
                         "receive_bytes", "iter_text", "iter_json", "recv", "send", "receive", "close"))
_ROUTE_DECORATORS = frozenset(
    ("get", "post", "put", "patch", "delete", "head", "options", "trace", "route", "websocket", "api_route",
     "websocket_route")
)
_VIEW_BASES = frozenset(("APIView", "GenericAPIView", "ViewSet", "ModelViewSet", "GenericViewSet",
                         "ReadOnlyModelViewSet", "View", "TemplateView", "ListView", "DetailView",
                         "FormView", "MethodView", "HTTPEndpoint", "WebSocketEndpoint"))

# Words in the code's names (identifiers, attributes, parameters); string literals, docstrings and
# comments are blanked before these are looked for (astscan._code_only).
_WORDS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("jwt", TOKEN), ("oauth", TOKEN), ("bearer", TOKEN), ("access_token", TOKEN), ("refresh_token", TOKEN),
    ("password", PASSWORD), ("passwd", PASSWORD), ("pbkdf2", PASSWORD),
    ("permission", PERMISSION), ("is_admin", PERMISSION), ("is_superuser", PERMISSION),
    ("authoriz", PERMISSION), ("current_user", PERMISSION), ("has_perm", PERMISSION),
)
_ROLE = re.compile(r"\broles?\b|_roles?\b|\brole_", re.IGNORECASE)


@lru_cache(maxsize=65536)
def module_kind(target: str) -> Kind:
    """The marker an import of `target` implies, matched on its longest known dotted prefix."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        kind = _MODULES.get(".".join(parts[:end]))
        if kind is not None:
            return kind
    return None


@lru_cache(maxsize=262144)
def call_kind(target: str) -> Kind:
    """The marker a call to the dotted `target` implies (resolved through imports where known)."""
    kind = _EXACT.get(target)
    if kind is not None:
        return kind
    head, _, last = target.rpartition(".")
    by_name = _LAST.get(last)
    if by_name is LOCK:
        return LOCK if head else None  # a bare Event() may be the project's own class
    kind = module_kind(head) if head else None
    if kind is not None or by_name is not None or not head:
        return kind or by_name
    receiver = head.rpartition(".")[2].lower()
    if ".objects" in target:
        return DATABASE  # Django ORM: Model.objects.filter(...)
    if last in _DB_METHODS and any(r in receiver for r in _DB_RECEIVERS):
        return DATABASE
    if "redis" in receiver:
        return REDIS
    if last in _WS_METHODS and ("websocket" in receiver or receiver == "ws"):
        return WEBSOCKET
    if last in _HTTP_VERBS and "http" in receiver:
        return HTTP
    return None


@lru_cache(maxsize=65536)
def decorator_kind(target: str) -> Kind:
    """`@app.get(...)`, `@router.post`, `@bp.route`, `@api_view` mark web routes."""
    head, _, last = target.rpartition(".")
    if (head and last in _ROUTE_DECORATORS) or last == "api_view":
        return ROUTE
    return call_kind(target)


def base_kind(base: str) -> Kind:
    """Class-based views (Django, DRF, Flask, Starlette) mark web routes."""
    return ROUTE if base.rpartition(".")[2] in _VIEW_BASES else None


def word_markers(text: str) -> list[tuple[tuple[str, str], int, str, int]]:
    """(kind, first line, evidence, count) for auth and websocket words found in the text."""
    low = text.lower()
    found: dict[tuple[str, str], list] = {}
    for word, kind in _WORDS:
        pos = low.find(word)
        if pos < 0:
            continue
        count = low.count(word)
        entry = found.get(kind)
        if entry is None:
            found[kind] = [pos, count]
        else:
            entry[0] = min(entry[0], pos)
            entry[1] += count
    if "role" in low:
        matches = [m.start() for m in _ROLE.finditer(low)]
        if matches:
            entry = found.setdefault(PERMISSION, [matches[0], 0])
            entry[0] = min(entry[0], matches[0])
            entry[1] += len(matches)
    result = []
    for kind, (pos, count) in found.items():
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        line = text[start:end if end >= 0 else len(text)].strip()
        result.append((kind, text.count("\n", 0, pos) + 1, shorten(line), count))
    return result


def shorten(code: str, limit: int = 60) -> str:
    """One line of evidence, cut to a readable length."""
    code = " ".join(code.split())
    return code if len(code) <= limit else code[: limit - 3] + "..."
