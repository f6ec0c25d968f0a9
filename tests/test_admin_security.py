"""POST /v1/admin/reload: who may call it. Complements tests/test_service.py (missing token 401,
wrong token 401, right token 200, no token configured 403, against a real server) with the
token comparison itself: constant time (hmac.compare_digest, checked in the source and at run
time), near-miss tokens, other schemes, and refusals that leave the rules untouched."""

from __future__ import annotations

import ast
import hmac
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import service.dependencies
from service import create_app
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "s3cret-Token_~+/.9=="  # every character a bearer token may hold
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(rules_dir=ROOT / "rules", admin_token=TOKEN))) as c:
        yield c


def reload(client: TestClient, authorization: str | None = None, **kwargs):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.post("/v1/admin/reload", headers=headers, **kwargs)


def test_token_is_compared_with_hmac_compare_digest_and_never_with_equality():
    """Static check of every service module: the configured token appears in a compare_digest
    call, and in no ==/!=/in comparison (which would stop at the first differing byte)."""
    tree = ast.Module(body=[statement for path in sorted((ROOT / "service").rglob("*.py"))
                            for statement in ast.parse(path.read_text(encoding="utf-8")).body], type_ignores=[])

    def mentions_token(node: ast.AST) -> bool:
        return any(isinstance(n, ast.Attribute) and n.attr == "admin_token" for n in ast.walk(node))

    digest_calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "compare_digest" and isinstance(n.func.value, ast.Name)
                    and n.func.value.id == "hmac"]
    assert any(mentions_token(arg) for call in digest_calls for arg in call.args), "no hmac.compare_digest on the token"
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and mentions_token(node):
            ops = {type(op) for op in node.ops}
            assert ops <= {ast.Is, ast.IsNot}, f"line {node.lineno}: token compared with {ops}"


def test_compare_digest_is_what_decides_at_run_time(client, monkeypatch):
    calls = []
    original = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(service.dependencies.hmac, "compare_digest", spy)
    assert reload(client, "Bearer wrong").status_code == 401
    assert reload(client, f"Bearer {TOKEN}").status_code == 200
    assert calls == [(b"wrong", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Bearer x{TOKEN}",
    f"Bearer {TOKEN} ", f"Bearer  {TOKEN}", f"Bearer {TOKEN.upper()}", f"Basic {TOKEN}", TOKEN,
    f"Token {TOKEN}", f"Bearer {TOKEN.encode().hex()}", "Bearer \x00", "Bearer " + "a" * 10_000,
    f"Bearer {TOKEN[:5]}ü{TOKEN[6:]}",
])
def test_missing_or_near_miss_tokens_are_401_problems_and_change_nothing(client, authorization):
    before = client.get("/readyz").json()["last_reload"]
    headers = {"Authorization": authorization.encode("utf-8")} if authorization is not None else {}
    r = client.post("/v1/admin/reload", headers=headers)
    assert r.status_code == 401, (authorization, r.status_code)
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/readyz").json()["last_reload"] == before  # nothing was reloaded


def test_the_right_token_reloads_and_the_scheme_is_case_insensitive(client):
    for scheme in ("Bearer", "bearer", "BEARER"):
        r = client.post("/v1/admin/reload", headers={"Authorization": f"{scheme} {TOKEN}".encode()})
        assert r.status_code == 200 and r.json()["ok"] is True


def test_the_token_is_not_taken_from_the_query_string_or_a_cookie(client):
    assert client.post("/v1/admin/reload", params={"token": TOKEN}).status_code == 401
    assert client.post("/v1/admin/reload", params={"access_token": TOKEN}).status_code == 401
    client.cookies.set("token", TOKEN)
    try:
        assert client.post("/v1/admin/reload").status_code == 401
    finally:
        client.cookies.clear()


def test_only_post_reloads(client):
    for method in ("GET", "PUT", "DELETE"):
        r = client.request(method, "/v1/admin/reload", headers={"Authorization": f"Bearer {TOKEN}".encode()})
        assert r.status_code == 405 and r.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("configured", [None, ""])
def test_reload_is_off_without_a_token_whatever_is_sent(configured):
    settings = Settings.from_env({"HAZARD_RULES": str(ROOT / "rules"),
                                  **({} if configured is None else {"HAZARD_ADMIN_TOKEN": configured})})
    assert settings.admin_token is None  # an empty token is no token
    with TestClient(create_app(settings)) as c:
        for authorization in (None, "Bearer ", "Bearer None", f"Bearer {TOKEN}"):
            r = reload(c, authorization)
            assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM), authorization


@pytest.mark.parametrize("token", ["tökén", "two words", "tab\tbed", "line\nbreak", "ünïcode", "=leading"])
def test_a_token_that_cannot_be_sent_as_a_bearer_token_is_refused_at_start(token):
    """Non-ASCII arrives as Latin-1 and would never match: refuse it when the server starts."""
    from service.settings import SettingsError
    with pytest.raises(SettingsError, match="HAZARD_ADMIN_TOKEN"):
        Settings.from_env({"HAZARD_ADMIN_TOKEN": token})
