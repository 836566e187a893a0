"""Browser: loading any page of the app makes no request to another machine (it must work offline)."""

from urllib.parse import urlparse

import pytest

from tests.browser.conftest import wait_idle

pytestmark = pytest.mark.browser

PAGES = ["", "data", "train", "runs", "compare", "playground"]
LOCAL = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _outside(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in {"data", "blob", "about"}:
        return False  # inline content: nothing leaves the machine
    return (parsed.hostname or "") not in LOCAL


def test_no_page_requests_anything_from_another_host(app_url, page):
    requests: list[tuple[str, str]] = []
    current = {"page": ""}
    page.on("request", lambda request: requests.append((current["page"], request.url)))
    for name in PAGES:
        current["page"] = name or "home"
        page.goto(f"{app_url}/{name}")
        page.locator('[data-testid="stSidebarNav"]').wait_for()
        wait_idle(page)
        page.wait_for_timeout(1500)  # late favicon / font / image requests
    outside = sorted({(where, url) for where, url in requests if _outside(url)})
    assert not outside, f"requests that left the machine: {outside}"
    assert len({where for where, _ in requests}) == len(PAGES)  # every page was loaded and watched
    icon = page.locator("link[rel='shortcut icon']").get_attribute("href") or ""
    assert icon.startswith("data:image/svg+xml"), icon  # the app's own icon, inline (not a font CDN's)
