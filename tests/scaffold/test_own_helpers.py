"""A method that first calls a helper of its own object which raises (a client not connected yet):
run and adapt doubles that helper and runs again, so the test reaches the method's own lines and a
mutant of them makes it fail, instead of stopping at the helper's raise."""

from __future__ import annotations

import sys

import pytest

from gapfinder.scaffold.pipeline import scaffold
from scaffold_runner import drafted_test, run_pytest, write_package

pytest.importorskip("pytest_asyncio")

CLIENT = '''class Disconnected(Exception):
    pass


class Refused(Exception):
    pass


class Client:
    def __init__(self):
        self.transport = None

    async def _ensure_connected(self):
        if self.transport is None:
            raise Disconnected("not connected")

    async def execute(self, command):
        await self._ensure_connected()
        return await self.transport.send(command)

    async def noop(self):
        await self._ensure_connected()
        reply = await self.execute("NOOP")
        if reply != 250:
            raise Refused(reply)
        return reply
'''


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    root = write_package(tmp_path_factory.mktemp("mail"), "mail", {"client.py": CLIENT})
    result = scaffold("mail/client.py", project_root=root, run=True, python=sys.executable)
    return root, result, (root / "tests" / "unit" / "test_client.py").read_text()


def test_the_own_helper_is_doubled_and_the_method_s_own_raise_is_expected(drafted) -> None:
    _, _, text = drafted
    body = drafted_test(text, "test_client_noop")
    assert "client._ensure_connected = AsyncMock()" in body
    assert "client.execute = AsyncMock()" in body  # the next helper the method stopped in
    assert "pytest.raises(Refused" in body and "Disconnected" not in body


def test_the_adapted_drafts_pass_and_one_fails_on_a_flipped_comparison(drafted) -> None:
    root, result, _ = drafted
    run = run_pytest(root, "-p", "no:randomly", "tests")
    assert run.returncode == 0, run.output
    source = root / "mail" / "client.py"
    original = source.read_text()
    try:
        source.write_text(original.replace("if reply != 250:", "if reply == 250:"))
        mutant = run_pytest(root, "-p", "no:randomly", "tests")
    finally:
        source.write_text(original)
    assert mutant.outcomes.get("tests.unit.test_client::test_client_noop") == "failed", mutant.output
