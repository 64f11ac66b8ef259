"""Endpoint tests for the current user route with an authenticated user."""

from fastapi.testclient import TestClient

from src.app.api.dependencies import get_current_user
from src.app.main import app


def test_read_me_returns_authenticated_user():
    user = {
        "id": 1,
        "name": "User Userson",
        "username": "userson",
        "email": "user.userson@example.com",
        "profile_image_url": "https://www.profileimageurl.com",
        "tier_id": None,
    }
    app.dependency_overrides[get_current_user] = lambda: user
    client = TestClient(app)

    response = client.get("/api/v1/user/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "userson"
