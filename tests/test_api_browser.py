"""The API browsers at /schema (Swagger UI) and /schema/scalar work without the internet: every asset comes from the app."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from events.app import SCALAR_VERSION, SWAGGER_UI_VERSION

PAGES = ("/schema", "/schema/scalar")
TITLE = "Recruitment events API"


class _Assets(HTMLParser):
    """Every URL a page makes the browser fetch by itself: script sources, stylesheets and icons."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in {"script", "img", "iframe"} and found.get("src"):
            self.urls.append(found["src"])
        if tag == "link" and found.get("href"):
            self.urls.append(found["href"])


def _assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", PAGES)
async def test_the_api_browser_references_only_assets_the_app_serves_itself(client, page):
    response = await client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    urls = _assets(response.text)
    assert any(url.endswith(".js") for url in urls), urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"{page} loads {url} from another origin"
        asset = await client.get(url)
        assert asset.status_code == 200, url
        kind = "text/css" if url.endswith(".css") else "javascript"
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert len(asset.content) > 0


async def test_the_vendored_scripts_are_the_pinned_versions(client):
    swagger = await client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    scalar = await client.get("/static/vendor/scalar/standalone.js")
    assert f'"{SWAGGER_UI_VERSION}"' in swagger.text or f"{SWAGGER_UI_VERSION}" in swagger.text
    assert SCALAR_VERSION in scalar.text


async def test_both_api_browsers_render_in_chromium_with_every_other_host_unreachable(live_server):
    from browser import launch
    from playwright.async_api import async_playwright

    outside: list[str] = []

    async def only_this_server(route):
        if route.request.url.startswith(live_server.url):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort("internetdisconnected")

    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            await context.route("**/*", only_this_server)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))

            await page.goto(f"{live_server.url}/schema")
            # Swagger UI draws the document's title and one block per tag once its script has run.
            await page.locator(".swagger-ui .info .title").filter(has_text=TITLE).wait_for(timeout=60_000)
            assert await page.locator(".swagger-ui .opblock-tag").count() > 5

            await page.goto(f"{live_server.url}/schema/scalar")
            await page.get_by_text("/api/auth/login").first.wait_for(state="attached", timeout=60_000)
            await page.get_by_role("heading", name=TITLE).first.wait_for(timeout=60_000)
        finally:
            await browser.close()
    assert outside == [], f"the API browsers asked other hosts: {outside}"
    assert errors == []
