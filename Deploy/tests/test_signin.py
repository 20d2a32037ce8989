"""Signing in with the browser to a service that has a token: headless Chromium (devtools.py)
against the real `video-tracker serve --token-file`. The dashboard answers with the sign-in page
(401); a wrong token shows it again with a message; the right one stores the cookie (SameSite=
Strict, path /, 30 days) and the dashboard loads with its camera and the camera's answers, fetched
by the page's own scripts with the cookie; the jobs page shows its form; a link from another site
gets through without the token typed again; signing out clears the cookie. Screenshots are kept
in test-output/ (git-ignored) to be looked at."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import REPO, TESTDATA, free_port
from devtools import Chromium, DevToolsError

OUTPUT = REPO / "test-output"
PETS_TRUTH = TESTDATA / "mot" / "PETS09-S2L1" / "gt" / "gt.txt"
# Characters a cookie value cannot hold as they are: the sign-in script must encode them.
TOKEN = "s3cret; token=é%"


def request(url: str, body: dict | bytes | None = None, token: str | None = TOKEN) -> dict:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"Content-Type": "application/json" if isinstance(body, dict) else "text/plain"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}".encode().decode("latin-1")  # the header's bytes are the token's UTF-8
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=120) as response:
        return json.load(response)


def settle(browser: Chromium, expression: str, seconds: float = 60) -> object:
    """Polls until the expression is truthy, through the page being replaced while it is asked."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = browser.evaluate(expression)
            if value:
                return value
        except DevToolsError:
            pass  # the old document went away mid-question
        time.sleep(0.1)
    raise AssertionError(f"never true: {expression}\n{browser.evaluate('document.body.innerText')}")


def navigation_status(browser: Chromium) -> int:
    return browser.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")


@pytest.fixture
def browser():
    chromium = Chromium(width=1280, height=800)
    yield chromium
    chromium.close()


def test_sign_in_then_the_dashboard_and_the_jobs_page_load(start_service, browser: Chromium, tmp_path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    port = free_port()
    service = start_service(["serve", "--host", "127.0.0.1", "--port", str(port), "--token-file", str(token_file)])
    base = f"http://127.0.0.1:{port}"
    service.wait_until_healthy(base + "/healthz")

    # Without the header the API stays closed; with it, a camera of PETS09-S2L1's ground truth.
    with pytest.raises(urllib.error.HTTPError) as refused:
        request(base + "/cameras", token=None)
    assert refused.value.code == 401 and json.load(refused.value)["error"]["code"] == "token_required"
    camera = request(base + "/cameras", {"name": "PETS09 S2L1"})["id"]
    query = urllib.parse.urlencode({"fps": "0.1", "start_time": "2026-11-21T08:00:00Z"})
    assert request(f"{base}/cameras/{camera}/tracks?{query}", PETS_TRUTH.read_bytes())["stored"] > 0

    # The dashboard, asked for by the browser: the sign-in page, a 401, styled by its own file.
    browser.navigate(base + "/dashboard")
    settle(browser, "document.getElementById('signin-form') !== null")
    assert navigation_status(browser) == 401
    assert browser.evaluate("document.title") == "video-tracker: sign in"
    assert browser.evaluate("document.getElementById('refused').hidden") is True
    assert browser.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor") == "rgb(34, 34, 34)", \
        "signin.css loaded without the token"
    assert browser.evaluate("location.pathname") == "/dashboard"
    browser.screenshot(OUTPUT / "signin-1-asked.png")

    # A wrong token: the sign-in page again, saying so.
    browser.type_text("#token", "not the token")
    browser.click("#signin-form button")
    settle(browser, "document.getElementById('refused') && !document.getElementById('refused').hidden")
    assert navigation_status(browser) == 401
    assert "not accepted" in browser.evaluate("document.getElementById('refused').textContent")
    browser.screenshot(OUTPUT / "signin-2-refused.png")

    # The right one: the dashboard itself, its camera listed and its answers drawn from the API.
    browser.type_text("#token", TOKEN)
    browser.click("#signin-form button")
    ids = settle(browser, """(() => { const buttons = [...document.querySelectorAll('#camera-list button')];
        return buttons.length > 0 && buttons.map((button) => button.dataset.id); })()""")
    assert ids == [camera]
    assert navigation_status(browser) == 200 and browser.evaluate("location.pathname") == "/dashboard"
    (cookie,) = [c for c in browser.send("Network.getCookies", urls=[base])["cookies"] if c["name"] == "video_tracker_token"]
    assert urllib.parse.unquote(cookie["value"]) == TOKEN and cookie["value"] != TOKEN
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/" and not cookie["secure"] and not cookie["session"]
    assert abs(cookie["expires"] - time.time() - 30 * 24 * 3600) < 3600
    browser.click(f"#camera-list button[data-id='{camera}']")
    stays = request(f"{base}/cameras/{camera}/stays/top?limit=10")["tracks"]
    settle(browser, "document.querySelectorAll('#stays-table tbody tr').length === 10", seconds=120)
    shown = browser.evaluate("[...document.querySelectorAll('#stays-table tbody tr')].map((row) => row.cells[1].textContent.trim())")
    assert [float(seconds) for seconds in shown] == [stay["seconds"] for stay in stays]
    assert browser.evaluate("document.getElementById('error').hidden") is True
    assert browser.evaluate("document.getElementById('sign-out').hidden") is False
    browser.screenshot(OUTPUT / "signin-3-dashboard.png")

    # The jobs page, with the same cookie: its form.
    browser.navigate(base + "/")
    settle(browser, "document.getElementById('job-form') !== null")
    assert navigation_status(browser) == 200
    assert browser.evaluate("document.getElementById('new-job').hidden") is False
    assert browser.evaluate("[...document.querySelectorAll('#job-form input, #job-form select')].map((e) => e.name)") == \
        ["video", "url", "score", "classes", "every", "input_size", "track"]
    # Its script's GET /jobs went through with the cookie: the (empty) list, not an error.
    settle(browser, "document.getElementById('job-list').textContent.trim() === 'none yet'")
    browser.screenshot(OUTPUT / "signin-4-jobs-page.png")

    # A link from another site (a data: page, an opaque origin) to the dashboard: the browser leaves the
    # SameSite=Strict cookie behind, so the service answers with the sign-in page, which loads the
    # page again by itself, this time same-site and with the cookie: no token typed.
    browser.navigate("data:text/html," + urllib.parse.quote(f'<a id="go" href="{base}/dashboard">the dashboard</a>'))
    browser.send("Network.enable")
    browser.events.clear()
    browser.click("#go")
    assert settle(browser, "document.querySelectorAll('#camera-list button').length") == 1
    browser.send("Network.disable")
    documents = [(event["params"]["response"]["url"], event["params"]["response"]["status"]) for event in browser.events
                 if event["method"] == "Network.responseReceived" and event["params"]["type"] == "Document"]
    assert documents == [(base + "/dashboard", 401), (base + "/dashboard", 200)]

    # Signing out: the cookie is gone and the page asks again.
    browser.click("#sign-out")
    settle(browser, "document.getElementById('signin-form') !== null")
    assert navigation_status(browser) == 401
    assert not [c for c in browser.send("Network.getCookies", urls=[base])["cookies"] if c["name"] == "video_tracker_token"]
