"""infer_usage: the usage trees scaffold (and later doctor) build mocks from."""

from __future__ import annotations

import ast
import textwrap

from gapfinder.core.usage.walker import helper_lookup, infer_usage


def _usage(code: str, *names: str, constants=None):
    module = ast.parse(textwrap.dedent(code))
    functions = {n.name: n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    first = module.body[0]
    helpers = helper_lookup({k: v for k, v in functions.items() if k != first.name}, {})
    return infer_usage(first, names, helpers, constants)


def test_awaited_result_used_synchronously() -> None:
    usage = _usage("""
        async def f(session, q):
            result = await session.execute(q)
            return result.scalars().all()
    """, "session", "q")
    execute = usage["session"].attrs["execute"]
    assert execute.call is None and execute.awaited_call is not None
    assert execute.awaited_call.attrs["scalars"].call.attrs["all"].call.returned
    assert execute.calls[0].certain


def test_async_context_manager_and_iteration() -> None:
    usage = _usage("""
        async def f(redis, ws):
            async with redis.pipeline() as pipe:
                pipe.set("k", 1)
            async for message in ws:
                await message.ack()
    """, "redis", "ws")
    entered = usage["redis"].attrs["pipeline"].call.aenter
    assert "set" in entered.attrs and entered.attrs["set"].call is not None
    assert usage["ws"].aiter_item.attrs["ack"].awaited_call is not None
    assert not usage["ws"].aiter_item.attrs["ack"].calls[0].certain  # inside a loop


def test_none_checks_comparisons_and_caught_exceptions() -> None:
    usage = _usage("""
        async def f(repo, client, status):
            user = await repo.get(1)
            if user is None:
                raise LookupError("missing")
            try:
                resp = await client.post("/x")
            except ConnectionError as exc:
                raise RuntimeError("down") from exc
            if resp.status_code >= 500:
                raise RuntimeError("server")
            if status not in ALLOWED:
                raise ValueError(status)
    """, "repo", "client", "status", constants={"ALLOWED": ("a", "b")})
    assert usage["repo"].attrs["get"].awaited_call.none_checks == ["LookupError"]
    post = usage["client"].attrs["post"]
    assert post.calls[0].handlers == (("ConnectionError", "RuntimeError"),)
    [comparison] = post.awaited_call.attrs["status_code"].comparisons
    assert (comparison.op, comparison.value, comparison.raises) == (">=", 500, True)
    assert {c.value for c in usage["status"].comparisons} == {"a", "b"}


def test_helpers_are_walked_with_the_callers_values() -> None:
    usage = _usage("""
        async def f(session, order_id):
            order = await _get(session, order_id)
            return order.status

        async def _get(session, order_id):
            result = await session.execute(order_id)
            return result.scalar_one_or_none()
    """, "session", "order_id")
    scalar = usage["session"].attrs["execute"].awaited_call.attrs["scalar_one_or_none"].call
    assert "status" in scalar.attrs  # the helper's returned value is the caller's `order`


def test_task_and_wait_for_arguments_are_awaited() -> None:
    usage = _usage("""
        async def f(worker, conn):
            asyncio.create_task(worker.run())
            return await asyncio.wait_for(conn.fetch("q"), timeout=5)
    """, "worker", "conn")
    assert usage["worker"].attrs["run"].awaited_call is not None
    assert usage["conn"].attrs["fetch"].awaited_call.returned
