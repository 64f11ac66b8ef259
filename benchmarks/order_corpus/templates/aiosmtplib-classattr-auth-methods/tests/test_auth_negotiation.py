"""
Tests for choosing an AUTH method from the ones the server offers.
"""

from aiosmtplib import SMTP


def test_supported_auth_methods_prefer_cram_md5() -> None:
    client = SMTP(hostname="localhost", port=25)
    client.server_auth_methods = ["login", "plain", "cram-md5"]

    assert client.supported_auth_methods == ["cram-md5", "plain", "login"]
