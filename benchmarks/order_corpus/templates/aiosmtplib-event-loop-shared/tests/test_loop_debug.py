"""
Debug-mode checks on the shared session event loop.
"""

import asyncio

import pytest

from aiosmtplib.protocol import SMTPProtocol


@pytest.mark.asyncio(loop_scope="session")
async def test_protocol_on_debug_loop() -> None:
    event_loop = asyncio.get_running_loop()
    event_loop.set_debug(True)
    event_loop.slow_callback_duration = 0.001

    protocol = SMTPProtocol(loop=event_loop)

    assert protocol._loop.get_debug()
