"""Endpoint tests for routes that need a logged-in user."""

from fastapi.testclient import TestClient

from src.app.main import app


def test_read_me_requires_a_token():
    client = TestClient(app)

    response = client.get("/api/v1/user/me/")

    assert response.status_code == 401
