"""Security headers on every answer, pages and API alike, refusals and errors included; cookies
HttpOnly and SameSite, and Secure once the desk is served beyond this machine."""

from __future__ import annotations

import importlib

import pytest
from django.test import Client

from tests.conftest import ApiClient, Desk


def _headers_ok(response, where: str) -> None:  # type: ignore[no-untyped-def]
    csp = response.get("Content-Security-Policy", "")
    for part in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ):
        assert part in csp, (where, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert response.get("X-Frame-Options") == "DENY", where
    assert response.get("Referrer-Policy") == "same-origin", where
    assert response.get("X-Content-Type-Options") == "nosniff", where
    policy = response.get("Permissions-Policy", "")
    assert "camera=()" in policy and "geolocation=()" in policy, where


def test_every_page_and_api_answer_carries_the_headers(desk: Desk) -> None:
    anonymous = Client()
    for path in ("/login/", "/register/", "/password-reset/", "/kb/", "/status/", "/nowhere/"):
        _headers_ok(anonymous.get(path), path)
    agent = Client()
    agent.force_login(desk.l1)
    for path in ("/", "/desk/", "/reports/", "/account/", f"/tickets/{desk.open().number}/"):
        response = agent.get(path)
        assert response.status_code == 200, path
        _headers_ok(response, path)
    api = ApiClient(desk.north_user)
    _headers_ok(api.get("/me"), "api me")
    _headers_ok(api.get("/tickets/XX-404"), "api 404")
    _headers_ok(api.post("/tickets", {"subject": ""}), "api 422")
    _headers_ok(Client().get("/api/v1/me"), "api 401")
    _headers_ok(Client().get("/api/v1/openapi.json"), "openapi")


def test_cookies_are_http_only_and_same_site(desk: Desk) -> None:
    client = Client()
    page = client.get("/login/")
    csrf = page.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    done = client.post(
        "/login/",
        {"username": "ned", "password": "correct horse battery", "csrfmiddlewaretoken": csrf.value},
    )
    session = done.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"


def test_cookies_are_secure_beyond_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    import tierdesk.config.settings as module

    assert not getattr(module, "SESSION_COOKIE_SECURE", False)  # localhost: plain http works
    monkeypatch.setenv("TIERDESK_ALLOWED_HOSTS", "desk.example.com")
    try:
        served = importlib.reload(module)
        assert served.SESSION_COOKIE_SECURE and served.CSRF_COOKIE_SECURE
        assert served.SESSION_COOKIE_HTTPONLY and served.CSRF_COOKIE_HTTPONLY
    finally:
        monkeypatch.delenv("TIERDESK_ALLOWED_HOSTS")
        importlib.reload(module)
