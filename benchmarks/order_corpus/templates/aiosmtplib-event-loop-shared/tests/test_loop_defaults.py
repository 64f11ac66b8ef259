"""
Protocol tests on the shared session event loop.
"""

import asyncio

import pytest

from aiosmtplib.protocol import SMTPProtocol


@pytest.mark.asyncio(loop_scope="session")
async def test_protocol_uses_running_loop_defaults() -> None:
    protocol = SMTPProtocol(loop=asyncio.get_running_loop())

    assert protocol._loop.get_debug() is False
    assert protocol._loop.slow_callback_duration == 0.1
