"""
Tests for restricting the AUTH methods a client will try.
"""

from aiosmtplib import SMTP


def test_client_can_be_limited_to_login_auth() -> None:
    SMTP.AUTH_METHODS = ("login",)
    client = SMTP(hostname="localhost", port=25)
    client.server_auth_methods = ["cram-md5", "plain", "login"]

    assert client.supported_auth_methods == ["login"]
