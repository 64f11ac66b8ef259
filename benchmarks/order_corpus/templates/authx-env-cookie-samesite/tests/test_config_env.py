import os

from authx import AuthXConfig


def test_cookie_samesite_is_read_from_environment():
    os.environ["JWT_COOKIE_SAMESITE"] = "strict"
    config = AuthXConfig(JWT_SECRET_KEY="secret")
    assert config.JWT_COOKIE_SAMESITE == "strict"
