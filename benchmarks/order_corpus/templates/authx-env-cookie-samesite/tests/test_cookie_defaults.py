from authx import AuthXConfig


def test_default_cookie_samesite_policy():
    config = AuthXConfig(JWT_SECRET_KEY="secret")
    assert config.JWT_COOKIE_SAMESITE == "lax"
    assert config.JWT_COOKIE_SECURE is True
