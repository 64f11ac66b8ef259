"""The rule table: every doctor rule as data (code, name, docs, whether --fix can rewrite it).

Codes are stable: GF1xx mock shapes, GF2xx pytest-asyncio configuration, GF3xx FastAPI overrides.
The checks live in lint.py (they share one walk over each test); the rewrites in fix.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # says the problem
    summary: str  # one line: what it finds
    why: str
    example: str
    fix: str
    fixable: bool = False


RULES: tuple[Rule, ...] = (
    Rule("GF101", "async-mock-called-synchronously",
         "An AsyncMock stands in for a collaborator the code calls synchronously.",
         "Calling an AsyncMock without await returns a coroutine: the code gets a coroutine instead of "
         "a value ('coroutine' object has no attribute ...) and the coroutine is never awaited.",
         "session = AsyncMock()  # code: session.add(order); await session.flush()",
         "Build the double on MagicMock and put AsyncMock only on the awaited leaves "
         "(session = MagicMock(); session.flush = AsyncMock()).", fixable=True),
    Rule("GF102", "sync-chain-through-async-mock-return",
         "A chain configured through an awaited AsyncMock's return_value, which the code uses synchronously.",
         "The return value of an awaited AsyncMock is itself an AsyncMock, so every synchronous call on "
         "it returns a coroutine ('coroutine' object has no attribute 'all').",
         "session.execute.return_value.scalars.return_value.all.return_value = rows",
         "Give the awaited call an explicit MagicMock result: result = MagicMock(); "
         "result.scalars.return_value.all.return_value = rows; session.execute = AsyncMock(return_value=result)."),
    Rule("GF103", "wrong-async-protocol-mock",
         "An async context manager or async iterator mocked with the wrong protocol.",
         "`async with` needs __aenter__/__aexit__ and `async for` needs __aiter__; a coroutine (an AsyncMock "
         "called without await), a plain Mock, or a configured __enter__/__iter__ does not provide them.",
         "client = AsyncMock()  # code: async for chunk in client.stream(): ...",
         "Use a MagicMock and configure the async protocol: "
         "client.stream.return_value.__aiter__.return_value = [chunk1, chunk2]."),
    Rule("GF104", "sync-mock-awaited",
         "A MagicMock/Mock (or a bare patch of a class) where the code awaits.",
         "Awaiting a MagicMock's call result fails: object MagicMock can't be used in 'await' expression.",
         "repo = MagicMock()  # code: user = await repo.get(user_id)",
         "Make the awaited leaf an AsyncMock: repo.get = AsyncMock(return_value=user), or patch with autospec=True."),
    Rule("GF105", "assert-called-on-awaited-mock",
         "assert_called* on a mock the code awaits.",
         "assert_called_once_with passes even when the coroutine was never awaited, so the test misses a "
         "missing await in the code.",
         "session.flush.assert_called_once_with()",
         "Use the awaited variant: session.flush.assert_awaited_once_with().", fixable=True),
    Rule("GF106", "async-mock-side-effect-returns-coroutine",
         "AsyncMock(side_effect=f) where f is a synchronous function that returns a coroutine.",
         "AsyncMock awaits side_effect only when it is an async function; a sync function's coroutine is "
         "handed to the code as the result and never awaited.",
         "fetch = AsyncMock(side_effect=lambda url: fake_fetch(url))  # fake_fetch is async def",
         "Pass the async function itself: AsyncMock(side_effect=fake_fetch)."),
    Rule("GF107", "scheduler-patch-drops-coroutine",
         "asyncio.create_task/ensure_future/wait_for/gather patched so the coroutine passed in is dropped.",
         "The patched scheduler receives a coroutine it never awaits or closes: 'coroutine ... was never "
         "awaited', and the work the code scheduled never runs, while the test still passes.",
         'patch("app.worker.asyncio.create_task")',
         "Do not patch wait_for/gather; for create_task close the coroutine: "
         "side_effect=lambda coro: (coro.close(), MagicMock())[1]."),
    Rule("GF108", "unconfigured-mock-result-decides-branch",
         "The code branches on the result of a double's call that the test never configured.",
         "A MagicMock or AsyncMock result is always truthy: `if await repo.exists(x):` always takes the "
         "'exists' branch, so the test passes for a reason it does not state and never sees the other branch.",
         "repo = MagicMock(); repo.exists = AsyncMock()  # code: if await repo.exists(x): return",
         "Set the result the test means: repo.exists = AsyncMock(return_value=False)."),
    Rule("GF109", "assert-on-mock-configured-value",
         "An assertion compares a double's own result with the value the test told it to return.",
         "`m.get.return_value = 5; assert m.get() == 5` checks unittest.mock, not the code: it cannot fail.",
         "client.fetch.return_value = data\nassert client.fetch() == data",
         "Assert on what the code under test returned or did with the value."),
    Rule("GF110", "only-check-is-assert-called-on-awaited-mock",
         "A test whose only check is assert_called* on a mock the code awaits.",
         "assert_called* passes when the code calls the AsyncMock without awaiting it; with no other check the "
         "test stays green if the code drops the await: it passes by accident.",
         "await service.save(item)\nrepo.add.assert_called_once_with(item)  # the test's only check",
         "Use the awaited variant: repo.add.assert_awaited_once_with(item), and assert on the result.",
         fixable=True),
    Rule("GF111", "coroutine-object-as-return-value",
         "A double's return_value is one coroutine object the test made by calling an async def.",
         "The coroutine is made once, before the code runs: if the code never calls the double it is never "
         "awaited (RuntimeWarning), and a second call gets the coroutine already awaited (RuntimeError); the "
         "test passes only while the code calls the double exactly once.",
         "fetch = Mock(return_value=make_awaitable(rows))  # make_awaitable is an async def",
         "Use AsyncMock(return_value=rows), or side_effect=lambda *a, **k: make_awaitable(rows) (a new "
         "coroutine per call)."),
    Rule("GF112", "coroutine-made-by-test-never-awaited",
         "The test calls an async def and never awaits the coroutine (`type(cog.sync())`, a bare `obj.run()`).",
         "Calling an `async def` only makes a coroutine: handed to type()/isinstance() or left as a bare "
         "statement it is never awaited, so its body never runs and Python warns 'coroutine ... was never "
         "awaited' (an error under -W error).",
         "self.assertIsInstance(task, type(self.cog.sync()))",
         "Await the call, or compare with types.CoroutineType / inspect.iscoroutine instead of making one."),
    Rule("GF201", "async-fixture-without-pytest-asyncio",
         "An async fixture declared with @pytest.fixture under pytest-asyncio strict mode.",
         "In strict mode pytest-asyncio only runs fixtures declared with @pytest_asyncio.fixture; "
         "@pytest.fixture hands the test a coroutine or async generator (or fails on pytest 9).",
         "@pytest.fixture\nasync def client(): ...",
         "Declare it with @pytest_asyncio.fixture (or set asyncio_mode = \"auto\").", fixable=True),
    Rule("GF202", "asyncio-fixture-loop-scope-unset",
         "Async fixtures with asyncio_default_fixture_loop_scope unset.",
         "pytest-asyncio warns on every run and the fixture loop scope changes with its version.",
         "[tool.pytest.ini_options] without asyncio_default_fixture_loop_scope",
         'Set asyncio_default_fixture_loop_scope = "function" in the pytest configuration.'),
    Rule("GF203", "async-test-not-marked",
         "An async test without @pytest.mark.asyncio under pytest-asyncio strict mode.",
         "pytest does not run async functions itself: the test fails ('async def functions are not "
         "natively supported') or, on old versions, passes without running.",
         "async def test_fetch(): ...",
         "Mark it @pytest.mark.asyncio (or pytestmark = pytest.mark.asyncio, or asyncio_mode = \"auto\")."),
    Rule("GF301", "mock-as-dependency-override",
         "A Mock/MagicMock used directly as a FastAPI dependency override.",
         "FastAPI reads the override's signature; a Mock's (*args, **kwargs) become required query "
         "parameters and every request answers HTTP 422.",
         "app.dependency_overrides[get_db] = MagicMock()",
         "Override with a function: db = MagicMock(); app.dependency_overrides[get_db] = lambda: db.",
         fixable=True),
    Rule("GF302", "dependency-overrides-never-cleared",
         "FastAPI dependency overrides set in a test file that never clears them.",
         "app.dependency_overrides is global: the override leaks into every later test.",
         "app.dependency_overrides[get_user] = lambda: user  # no clear()",
         "Clear in teardown: yield client; app.dependency_overrides.clear()."),
)

BY_CODE = {rule.code: rule for rule in RULES}


def select_rules(select: list[str] | None, ignore: list[str] | None) -> frozenset[str]:
    """Codes to report: prefixes allowed (GF1 selects GF101..GF112); unknown codes are an error."""
    from gapfinder.errors import GapfinderError

    def expand(codes: list[str]) -> set[str]:
        chosen: set[str] = set()
        for raw in codes:
            for code in (c.strip().upper() for c in raw.split(",")):
                if not code:
                    continue
                matched = {r.code for r in RULES if r.code.startswith(code)}
                if not matched:
                    raise GapfinderError(f"unknown rule code {code!r}; known codes: "
                                         f"{', '.join(r.code for r in RULES)}.")
                chosen |= matched
        return chosen

    chosen = expand(select) if select else {r.code for r in RULES}
    return frozenset(chosen - (expand(ignore) if ignore else set()))
