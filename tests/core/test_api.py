"""The API's error handler: a request body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 in the
API's JSON error shape (Django's own answer is its HTML 400 page)."""

from __future__ import annotations

import json

import pytest

from accounts.tokens import api_token_create

pytestmark = pytest.mark.django_db


def test_a_body_over_the_size_limit_is_a_json_413(client, member, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    token = api_token_create(user=member, name="size", scope="write").secret
    bearer = {"authorization": f"Bearer {token}"}
    body = json.dumps({"title": "Big", "body": "x" * 20_000})
    response = client.post("/api/v1/posts/", body, content_type="application/json", headers=bearer)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {
            "code": "too_large",
            "message": "The request body is over the limit of 10000 bytes.",
        }
    }


def test_a_body_over_the_limit_with_a_session_is_a_json_413_too(member_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = member_client.post(
        "/api/v1/posts/", json.dumps({"body": "x" * 20_000}), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_the_default_limit_applies(client, member):
    token = api_token_create(user=member, name="size", scope="write").secret
    bearer = {"authorization": f"Bearer {token}"}
    body = json.dumps({"body": "x" * 3_000_000})  # over Django's default 2.5 MB
    response = client.post("/api/v1/posts/", body, content_type="application/json", headers=bearer)
    assert response.status_code == 413
