"""One test per row of mock-shapes.md: scaffold a function using that shape, run the generated
test in a subprocess with leaked coroutines as errors, and check it passes with the right double."""

from __future__ import annotations

import pytest

from gapfinder.scaffold.pipeline import scaffold
from scaffold_runner import copy_fixture, run_pytest

# (function in fixtures/shapes/shapes/rows.py, code the generated test must contain, code it must not)
ROWS = [
    ("scalars_all", ["session.execute = AsyncMock(return_value=execute_result)"], ["execute_result = AsyncMock"]),
    ("add_in_transaction", ["session = MagicMock()", "session.flush = AsyncMock("], ["session = AsyncMock"]),
    ("read_messages", ["ws.__aiter__.return_value = ["], ["ws = AsyncMock"]),
    ("stream_items", ["client.stream.return_value.__aiter__.return_value = ["], ["client = AsyncMock"]),
    ("cached_text", ["redis.get = AsyncMock(return_value=get_result)", "get_result = MagicMock()"], []),
    ("store_pair", ["redis.pipeline.return_value.__aenter__.return_value = pipeline_entered",
                    "pipeline_entered.execute = AsyncMock("], ["redis = AsyncMock"]),
    ("post_sync", ["assert result is client.post.return_value.json.return_value"], ["AsyncMock"]),
    ("post_async", ["client.post = AsyncMock(return_value=post_result)", "post_result = MagicMock()"], []),
    ("fetch_json", ['patch("shapes.rows.AsyncClient"',
                    "async_client.return_value.__aenter__.return_value = async_client_entered"], []),
    ("aiohttp_json", ["session.get.return_value.__aenter__.return_value = get_entered",
                      "get_entered.json = AsyncMock("], ["session = AsyncMock"]),
    ("start_worker", ["worker.run = AsyncMock(", "asyncio.all_tasks()"], ['patch("asyncio']),
    ("fetch_with_timeout", ["conn.fetch = AsyncMock(return_value=fetch_result)"], ["wait_for"]),
    ("when_ready", ["create_future()", "conn.ready = ready_future"], ["conn.ready = AsyncMock"]),
    ("remember", ["create_autospec(AsyncSession, instance=True)", "session.add.assert_called_once_with(item)"],
     ["session = AsyncMock"]),
    ("fetch_profile", ['patch("shapes.rows.Client", new=client)', "client.return_value.get = AsyncMock("],
     ["new_callable=AsyncMock"]),
]


@pytest.fixture(scope="module")
def generated(module_tmp):
    project = copy_fixture("shapes", module_tmp)
    result = scaffold("shapes/rows.py", project_root=project)
    code = (project / "tests" / "unit" / "test_rows.py").read_text()
    run = run_pytest(project, "tests")
    return result, code, run


def _test_source(code: str, function: str) -> str:
    start = code.index(f"def test_{function}(")
    end = code.find("@pytest.mark.scaffold", start)
    return code[start : end if end != -1 else len(code)]


def test_one_test_per_public_function(generated) -> None:
    result, _, _ = generated
    assert result.tests == len(ROWS)


@pytest.mark.parametrize(("function", "required", "forbidden"), ROWS, ids=[r[0] for r in ROWS])
def test_shape_row(generated, function, required, forbidden) -> None:
    _, code, run = generated
    source = _test_source(code, function)
    for snippet in required:
        assert snippet in source
    for snippet in forbidden:
        assert snippet not in source
    assert run.outcomes[f"tests.unit.test_rows::test_{function}"] == "passed", run.output


def test_generated_suite_has_no_warnings(generated) -> None:
    _, _, run = generated
    assert run.returncode == 0, run.output
    assert "warnings summary" not in run.output
