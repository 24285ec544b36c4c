"""Console sign-in over HTTP against a real server: the session cookie and its flags, wrong
credentials, lockout, logout, bearer tokens, roles on the protected endpoints, the console
request header on state changes, and ``config=draft`` for staff only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import CONSOLE_HEADERS, LOCKOUT_USER, STAFF, login

pytestmark = pytest.mark.integration

WRONG = {"error": "InvalidCredentials", "detail": "wrong username or password"}
ROLES = ("admin", "merchandiser", "analyst")


@pytest.fixture(scope="module")
def clients(console_server: str) -> Iterator[dict[str, httpx.Client]]:
    """One signed-in client per role."""
    signed_in = {role: login(console_server, role) for role in ROLES}
    yield signed_in
    for client in signed_in.values():
        client.close()


def _cookie_attributes(resp: httpx.Response) -> dict[str, str]:
    header = resp.headers["set-cookie"]
    name_value, *attributes = [part.strip() for part in header.split(";")]
    out = {"_name": name_value.split("=", 1)[0], "_value": name_value.split("=", 1)[1]}
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        out[key.lower()] = value
    return out


def test_login_sets_a_strict_http_only_session_cookie(console_server: str) -> None:
    username, password = STAFF["merchandiser"]
    resp = httpx.post(console_server + "/v1/auth/login",
                      json={"username": username.upper(), "password": password})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"username": username, "role": "merchandiser", "can_edit": True}
    cookie = _cookie_attributes(resp)
    assert cookie["_name"] == "discovery_session" and len(cookie["_value"]) >= 40
    assert "httponly" in cookie and cookie["samesite"].lower() == "strict"
    assert cookie["path"] == "/" and cookie["max-age"] == str(12 * 3600)
    assert "secure" not in cookie  # DISCOVERY_CONSOLE_COOKIE_SECURE is off by default


@pytest.mark.parametrize("body", [
    {"username": STAFF["admin"][0], "password": "not the password"},
    {"username": "nobody-here", "password": STAFF["admin"][1]},
])
def test_wrong_credentials_do_not_say_which_part_was_wrong(console_server: str,
                                                           body: dict) -> None:
    resp = httpx.post(console_server + "/v1/auth/login", json=body)
    assert resp.status_code == 401 and resp.json() == WRONG
    assert "set-cookie" not in resp.headers


def test_lockout_after_five_failures(console_server: str) -> None:
    username, password = LOCKOUT_USER
    url = console_server + "/v1/auth/login"
    for _ in range(5):
        assert httpx.post(url, json={"username": username, "password": "guess " * 3}
                          ).status_code == 401
    locked = httpx.post(url, json={"username": username, "password": password})
    assert locked.status_code == 429
    assert locked.json()["error"] == "LoginLocked"
    assert "too many failed sign-ins" in locked.json()["detail"]
    assert "try again in 15 minutes" in locked.json()["detail"]


def test_me_logout_and_bearer_tokens(console_server: str) -> None:
    client = login(console_server, "admin")
    me = client.get("/v1/auth/me")
    assert me.status_code == 200 and me.json() == {"username": STAFF["admin"][0],
                                                   "role": "admin", "can_edit": True}
    assert _cookie_attributes(me)["max-age"] == str(12 * 3600)  # renewed on use
    token = client.cookies["discovery_session"]
    bearer = httpx.get(console_server + "/v1/auth/me",
                       headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 200 and bearer.json()["role"] == "admin"

    no_header = httpx.post(console_server + "/v1/auth/logout",
                           cookies={"discovery_session": token})
    assert no_header.status_code == 403 and no_header.json()["error"] == "CsrfRejected"
    out = client.post("/v1/auth/logout")
    assert out.status_code == 204
    cleared = _cookie_attributes(out)
    assert cleared["_name"] == "discovery_session" and cleared["max-age"] == "0"
    gone = httpx.get(console_server + "/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401 and gone.json()["error"] == "NotAuthenticated"
    assert client.get("/v1/auth/me").status_code == 401
    assert httpx.get(console_server + "/v1/auth/me").status_code == 401


PROTECTED = [  # method, path, request kwargs, roles allowed
    ("GET", "/v1/merchandising", {}, {"admin", "merchandiser", "analyst"}),
    ("PUT", "/v1/merchandising/synonyms", {"json": {"rules": []}}, {"admin", "merchandiser"}),
    ("PUT", "/v1/merchandising/rules", {"json": {"rules": []}}, {"admin", "merchandiser"}),
    ("POST", "/v1/merchandising/publish", {}, {"admin", "merchandiser"}),
    ("GET", "/v1/analytics/top-queries", {}, {"admin", "merchandiser", "analyst"}),
    ("GET", "/v1/analytics/click-through", {}, {"admin", "merchandiser", "analyst"}),
    ("GET", "/v1/evaluations", {}, {"admin", "merchandiser", "analyst"}),
    ("GET", "/v1/search", {"params": {"q": "bolt", "config": "draft"}},
     {"admin", "merchandiser", "analyst"}),
    ("GET", "/v1/autocomplete", {"params": {"q": "bo", "config": "draft"}},
     {"admin", "merchandiser", "analyst"}),
]


@pytest.mark.parametrize("method, path, kwargs, allowed", PROTECTED)
def test_protected_endpoints_by_role(console_server: str, clients: dict[str, httpx.Client],
                                     method: str, path: str, kwargs: dict,
                                     allowed: set[str]) -> None:
    anonymous = httpx.request(method, console_server + path, **kwargs)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["error"] == "NotAuthenticated"
    for role in ROLES:
        resp = clients[role].request(method, path, **kwargs)
        if role in allowed:
            assert resp.status_code == 200, (role, resp.text)
        else:
            assert resp.status_code == 403, (role, resp.text)
            assert resp.json()["error"] == "Forbidden" and role in resp.json()["detail"]


def test_evaluation_upload_needs_staff(console_server: str) -> None:
    files = {"judgements": ("j.csv", b"query,sku,grade\nbolt,X,1\n", "text/csv")}
    resp = httpx.post(console_server + "/v1/evaluations", files=files)
    assert resp.status_code == 401 and resp.json()["error"] == "NotAuthenticated"


def test_public_endpoints_stay_public(console_server: str) -> None:
    assert httpx.get(console_server + "/v1/search", params={"q": "bolt"}).status_code == 200
    assert httpx.get(console_server + "/v1/search",
                     params={"q": "bolt", "config": "lexical"}).status_code == 200
    assert httpx.get(console_server + "/v1/autocomplete", params={"q": "bo"}).status_code == 200
    event = {"sku": "X", "kind": "click"}
    assert httpx.post(console_server + "/v1/events", json=event).status_code == 202


def test_state_changes_by_cookie_need_the_console_header(
        console_server: str, clients: dict[str, httpx.Client]) -> None:
    client = clients["merchandiser"]
    token = client.cookies["discovery_session"]
    bare = httpx.put(console_server + "/v1/merchandising/synonyms", json={"rules": []},
                     cookies={"discovery_session": token})
    assert bare.status_code == 403 and bare.json()["error"] == "CsrfRejected"
    assert "X-Requested-With: discovery-console" in bare.json()["detail"]
    wrong = httpx.put(console_server + "/v1/merchandising/synonyms", json={"rules": []},
                      cookies={"discovery_session": token},
                      headers={"X-Requested-With": "XMLHttpRequest"})
    assert wrong.status_code == 403
    # reads need no header; scripts with a bearer token need none either
    assert httpx.get(console_server + "/v1/merchandising",
                     cookies={"discovery_session": token}).status_code == 200
    scripted = httpx.put(console_server + "/v1/merchandising/synonyms", json={"rules": []},
                         headers={"Authorization": f"Bearer {token}"})
    assert scripted.status_code == 200, scripted.text
    assert client.put("/v1/merchandising/synonyms", json={"rules": []}).status_code == 200


def test_a_disabled_or_unknown_session_is_401(console_server: str) -> None:
    resp = httpx.get(console_server + "/v1/merchandising",
                     cookies={"discovery_session": "forged-token"})
    assert resp.status_code == 401 and "sign in again" in resp.json()["detail"]
    resp = httpx.get(console_server + "/v1/search", params={"q": "x", "config": "draft"},
                     headers={"Authorization": "Bearer forged-token"})
    assert resp.status_code == 401 and resp.json()["field"] == "config"


def test_console_headers_constant_matches_the_server() -> None:
    assert CONSOLE_HEADERS == {"X-Requested-With": "discovery-console"}
