"""Drafts that give the code the values it validates instead of a MagicMock: ABCs and Protocols,
frozen dataclasses, hooks left to subclasses, dunder attributes, literal defaults and settings
objects that need a secret. The drafts are written statically and run for real in a subprocess."""

from __future__ import annotations

import pytest

from gapfinder.scaffold.pipeline import scaffold
from scaffold_runner import drafted_test, run_pytest, write_package

BASE = '''class BaseSettings:
    """A stand-in for pydantic-settings: keyword arguments become attributes."""

    def __init__(self, **values):
        for name, value in values.items():
            setattr(self, name, value)


class Session:
    def add(self, item):
        raise RuntimeError("no database in unit tests")


session = Session()
'''

CODE = '''import asyncio
import hashlib
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Dict, Literal, Optional, Protocol

from pydantic import BaseModel, Field

from vault.base import BaseSettings, session


class Settings(BaseSettings):
    ALGORITHM: str = "HS256"
    SECRET_KEY: Optional[str] = None
    PUBLIC_KEY: Optional[str] = None

    def key(self) -> str:
        if self.SECRET_KEY is None:
            raise ValueError("HS256 requires a key")
        return self.SECRET_KEY


class Signer:
    def __init__(self, settings: Settings = Settings()):
        self.settings = settings

    def sign(self, text: str) -> str:
        return text + "." + self.settings.key()[:4]


class Checker(ABC):
    @abstractmethod
    def lookup(self, email: str) -> bool:
        ...

    def describe(self) -> str:
        return f"checker {self.__class__.__name__}"


class Store(Protocol):
    def get(self, key: str) -> str:
        ...


@dataclass(frozen=True)
class Rule:
    actions: tuple

    def allows(self, action: str) -> bool:
        return action in self.actions or "*" in self.actions


class Manager:
    def parse_id(self, value):
        raise NotImplementedError()

    def find(self, value) -> str:
        return f"user {self.parse_id(value)}"


def test_token(value: str) -> bool:
    """A route named like a test (FastAPI apps have them): pytest must not collect it from the draft."""
    return value.startswith("ey")


class Hooks:
    async def on_after_register(self, user: str) -> None:
        """Override this to add your own logic."""
        return  # pragma: no cover

    def on_error(self, error: Exception) -> None:
        pass

    def ping(self) -> str:
        return "pong"


def get_password_hash(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def verify_password(plain_password: str, hashed_password: str) -> bool:
    if hashlib.sha256(plain_password.encode()).hexdigest() != hashed_password:
        raise ValueError("Invalid salt")
    return True


def create_access_token(subject: str, claims: Dict[str, str]) -> str:
    claims = claims.copy()
    claims["sub"] = subject
    return "v1." + ",".join(f"{k}={v}" for k, v in sorted(claims.items()))


def read_token(token: str) -> str:
    if not token.startswith("v1.") or "sub=" not in token:
        raise ValueError("Not enough segments")
    return token[3:]


class UserBase(BaseModel):
    email: str = Field(max_length=255)
    active: bool = True


class UserCreate(UserBase):
    password: str = Field(min_length=8)
    nickname: Optional[str] = None


def register(user: UserCreate) -> str:
    return hashlib.sha256(user.password.encode()).hexdigest()[:8] + user.email


def save(item: str) -> None:
    session.add(item)


class Callback:
    def __init__(self, route_name: Optional[str] = None, redirect_url: Optional[str] = None):
        assert (route_name is not None and redirect_url is None) or (
            route_name is None and redirect_url is not None), "You should either set route_name or redirect_url"
        self.route_name = route_name

    def where(self) -> str:
        return f"-> {self.route_name}"


class Discovery:
    def __init__(self, endpoint: str):
        with urllib.request.urlopen(endpoint, timeout=0.01) as response:
            self.document = response.read()

    def size(self) -> int:
        return len(self.document)


class Waiter:
    def __init__(self):
        self._loop = asyncio.get_running_loop()

    def ready(self) -> bool:
        return self._loop.is_running()


class Cookie:
    def __init__(self, samesite: Literal["lax", "strict", "none"] = "lax"):
        self.samesite = samesite

    def header(self) -> str:
        assert self.samesite in ("lax", "strict", "none"), "bad samesite"
        return f"SameSite={self.samesite}"


class Link:
    def __init__(self, host: str = "localhost", sock=None, path=None):
        self.host = host
        self.sock = sock
        self.path = path

    def target(self) -> str:
        if self.sock is not None and self.path is not None:
            raise ValueError("Either a socket or a path, not both")
        return f"{self.host}:{'sock' if self.sock is not None else 'tcp'}"
'''


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    root = write_package(tmp_path_factory.mktemp("vault"), "vault", {"base.py": BASE, "code.py": CODE})
    result = scaffold("vault/code.py", project_root=root)
    return root, result, (root / "tests" / "unit" / "test_code.py").read_text()


def test_every_draft_passes_when_run(drafted) -> None:
    root, result, _ = drafted
    run = run_pytest(root, "-p", "no:randomly", "tests")
    assert run.returncode == 0, run.output
    assert set(run.outcomes.values()) == {"passed"} and len(run.outcomes) == result.tests >= 6


def test_abstract_methods_and_protocols_get_no_test_but_an_abcs_own_methods_do(drafted) -> None:
    _, _, text = drafted
    assert "def test_checker_lookup" not in text and "def test_store_get" not in text
    assert "with patch.object(Checker, '__abstractmethods__', frozenset()):" in text
    assert "__class__ =" not in text


def test_a_settings_default_without_its_secret_gets_a_test_secret(drafted) -> None:
    _, _, text = drafted
    assert "Signer(settings=Settings(SECRET_KEY='gapfinder-test-secret-key-0123456789abcdef'))" in text
    assert "PUBLIC_KEY=" not in text


def test_frozen_fields_go_to_the_constructor_and_hooks_are_doubled(drafted) -> None:
    _, _, text = drafted
    assert "rule = Rule(actions=" in text and "rule.actions =" not in text
    assert "manager.parse_id = parse_id" in text
    assert "cookie.samesite =" not in text


def test_tokens_and_password_hashes_are_made_by_the_modules_own_functions(drafted) -> None:
    _, _, text = drafted
    assert 'hashed_password = get_password_hash(password="correct-horse-battery-staple")' in text
    assert 'plain_password = "correct-horse-battery-staple"' in text
    assert 'token = create_access_token(subject="subject", claims={})' in text


def test_a_pydantic_model_parameter_is_a_real_instance_with_its_required_fields(drafted) -> None:
    _, _, text = drafted
    assert 'user = UserCreate(email="user@example.com", password="correct-horse-battery-staple")' in text


def test_an_object_another_module_builds_at_import_is_patched(drafted) -> None:
    _, _, text = drafted
    assert 'with patch("vault.code.session", new=session):' in text


def test_a_constructor_guard_over_optional_arguments_is_satisfied(drafted) -> None:
    _, _, text = drafted
    assert 'callback = Callback(route_name="route_name")' in text


def test_a_client_the_constructor_opens_is_patched_while_the_instance_is_built(drafted) -> None:
    _, _, text = drafted
    assert 'with patch("vault.code.urllib"):\n        discovery = Discovery(endpoint=' in text


def test_an_instance_whose_constructor_asks_for_the_loop_is_built_in_an_async_test(drafted) -> None:
    _, _, text = drafted
    assert "@pytest.mark.asyncio\nasync def test_waiter_ready() -> None:" in text


def test_a_product_function_named_like_a_test_is_imported_under_another_name(drafted) -> None:
    _, _, text = drafted
    assert "test_token as _test_token" in text and "result = _test_token(" in text
    assert "\ntest_token(" not in text and " test_token(" not in text


def test_hooks_that_do_nothing_get_no_test_but_their_class_s_other_methods_do(drafted) -> None:
    _, _, text = drafted
    assert "def test_hooks_on_after_register" not in text and "def test_hooks_on_error" not in text
    assert "def test_hooks_ping" in text


def test_an_optional_collaborator_the_code_only_tests_keeps_the_constructors_none(drafted) -> None:
    _, _, text = drafted
    body = drafted_test(text, "test_link_target")
    assert "link.sock =" not in body and "link.path =" not in body and "pytest.raises" not in body
