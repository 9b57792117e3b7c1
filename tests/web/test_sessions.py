"""Sessions of the web application over HTTP: cookies, CSRF, expiry, the shared throttle, headers."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from tests.conftest import DEMO_PASSWORD
from tests.fleet_api.conftest import api_settings, bearer, token_for


@pytest.fixture
def web(web_db, clock) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(web_db), clock=clock)) as client:
        yield client


def sign_in(client: TestClient, username: str, password: str = DEMO_PASSWORD, suite: str = ""):
    form = client.get("/connexion")
    login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)
    return client.post(
        "/connexion",
        data={"username": username, "password": password, "login_csrf": login_csrf, "suite": suite},
        follow_redirects=False,
    )


def csrf_of(page_html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


def test_every_answer_carries_the_security_headers(web):
    for path in ("/connexion", "/api/v1/me", "/healthz", "/nowhere"):
        headers = web.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(web_db, clock):
    with TestClient(create_app(api_settings(web_db), clock=clock), base_url="https://testserver") as client:
        answer = sign_in(client, "manager")
    assert answer.status_code == 303 and answer.headers["location"] == "/carte"
    cookie = next(
        value
        for name, value in answer.headers.multi_items()
        if name == "set-cookie" and value.startswith("fleet_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie


def test_a_sign_in_posted_without_the_forms_token_is_refused(web):
    answer = web.post(
        "/connexion",
        data={"username": "manager", "password": DEMO_PASSWORD, "login_csrf": "forged"},
        follow_redirects=False,
    )
    assert answer.status_code == 403 and "Le formulaire a expiré" in answer.text
    assert "fleet_session" not in answer.cookies


def test_after_sign_in_only_a_path_of_this_site_is_followed(web):
    assert sign_in(web, "manager", suite="//elsewhere.example/x").headers["location"] == "/carte"
    web.cookies.clear()
    assert sign_in(web, "manager", suite="/carte?x=1").headers["location"] == "/carte?x=1"


def test_failed_sign_ins_count_in_the_same_throttle_as_the_api(web):
    for _ in range(5):
        assert sign_in(web, "manager", password="wrong").status_code == 401
    refused = sign_in(web, "manager", password="wrong")
    assert refused.status_code == 401  # the sixth failure starts the block
    blocked = web.post("/api/v1/auth/token", data={"username": "manager", "password": DEMO_PASSWORD})
    assert blocked.status_code == 429 and "Trop d'essais" in blocked.json()["detail"]
    page = sign_in(web, "manager")
    assert page.status_code == 429 and "Trop d&#39;essais infructueux" in page.text


def test_logging_out_needs_the_csrf_token_then_ends_the_session(web):
    sign_in(web, "manager")
    carte = web.get("/carte")
    assert carte.status_code == 200
    assert web.post("/deconnexion", data={"csrf_token": "forged"}).status_code == 403
    assert web.get("/carte").status_code == 200  # still signed in
    out = web.post("/deconnexion", data={"csrf_token": csrf_of(carte.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/connexion?fin=1"
    web.cookies.clear()
    assert web.get("/carte", follow_redirects=False).headers["location"] == "/connexion?suite=/carte"
    web.cookies.set("fleet_session", "x")  # even the old cookie, replayed, is dead: see the next test
    # A browser still holding a cookie is told its session ended.
    assert web.get("/carte", follow_redirects=False).headers["location"] == "/connexion?suite=/carte&expiree=1"


def test_a_revoked_cookie_replayed_is_refused(web):
    answer = sign_in(web, "manager")
    cookie = answer.cookies["fleet_session"]
    carte = web.get("/carte")
    web.post("/deconnexion", data={"csrf_token": csrf_of(carte.text)})
    web.cookies.set("fleet_session", cookie)
    assert web.get("/carte", follow_redirects=False).status_code == 303
    assert web.get("/api/v1/fleet/live").status_code == 401


def test_a_session_ends_when_idle_too_long(web, clock):
    sign_in(web, "manager")
    clock.advance(seconds=2 * 3600 - 60)
    assert web.get("/carte").status_code == 200  # used: the idle time starts again
    clock.advance(seconds=2 * 3600 - 60)
    assert web.get("/carte").status_code == 200
    clock.advance(seconds=2 * 3600 + 1)
    assert web.get("/carte", follow_redirects=False).headers["location"] == "/connexion?suite=/carte&expiree=1"


def test_a_disabled_user_loses_their_session_at_once(web):
    admin = bearer(token_for(web, "admin"))
    sign_in(web, "manager")
    assert web.get("/carte").status_code == 200
    manager_id = next(u["id"] for u in web.get("/api/v1/users", headers=admin).json() if u["username"] == "manager")
    assert web.patch(f"/api/v1/users/{manager_id}", json={"disabled": True}, headers=admin).status_code == 200
    assert web.get("/carte", follow_redirects=False).status_code == 303


def test_the_api_called_with_the_session_cookie_needs_the_csrf_header_to_change_anything(web):
    sign_in(web, "manager")
    token = csrf_of(web.get("/carte").text)
    assert web.get("/api/v1/fleet/live").status_code == 200
    refused = web.post("/api/v1/auth/logout")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert web.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204


def test_a_page_for_other_roles_answers_the_french_403_page(web):
    sign_in(web, "prescriber")
    refused = web.get("/carte")
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    assert "Accès refusé" in refused.text and "prescripteur" in refused.text
