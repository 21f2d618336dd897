"""Shared bits of the API's tests."""

from __future__ import annotations

from typing import Any

from django.test import Client

from api import tokens


def make_token(name: str = "script", scope: str = "read", **kwargs: Any) -> str:
    return tokens.create(name, scope, **kwargs)[1]


class Api:
    """A Django test client that sends one token with every request."""

    def __init__(self, token: str | None, client: Client | None = None, **meta: str) -> None:
        self.client = client or Client()
        self.meta = dict(meta)
        if token is not None:
            self.meta["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self.meta)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", **self.meta
        )

    def put(self, path: str) -> Any:
        return self.client.put(f"/api/v1{path}", **self.meta)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", **self.meta)
