"""Security headers on pages, the API, the widget script and the demo storefront.
(That the pages and the widget still work under the policy is shown by the Chromium
tests in tests/browser and tests/widget, which run against the same app.)"""

from __future__ import annotations

from tests.ops.conftest import client_of


def directives(response) -> dict[str, str]:
    csp = response.headers["content-security-policy"]
    return {part.split()[0]: part for part in csp.split("; ")}


async def test_pages_get_the_policy_and_are_never_framed(client):
    response = await client.get("/login")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "DENY"
    policy = directives(response)
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == "object-src 'none'"
    assert "strict-transport-security" not in response.headers  # not over plain HTTP


async def test_api_errors_and_the_widget_script_get_them_too(client, personas):
    refused = await client.get("/api/v1/conversations")
    assert refused.status_code == 401
    assert refused.headers["x-content-type-options"] == "nosniff"
    script = await client.get("/widget.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"
    widget_api = await client.post("/api/v1/widget/acme/visitors", json={"page": "/p/1"})
    assert widget_api.headers["access-control-allow-origin"] == "*"
    assert "content-security-policy" in widget_api.headers


async def test_the_demo_storefront_may_run_its_own_inline_script(app_with):
    app = app_with(demo_mode=True)
    async with client_of(app) as http:
        response = await http.get("/demo/store")
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["connect-src"] == "connect-src 'self'"


async def test_the_interactive_api_docs_may_load_swagger_ui(client):
    response = await client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "https://cdn.jsdelivr.net" in directives(response)["script-src"]
    assert "https://cdn.jsdelivr.net" not in directives(await client.get("/login"))["script-src"]


async def test_hsts_when_served_over_https(app_with):
    app = app_with(secure_cookies=True)
    async with client_of(app) as http:
        response = await http.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
