"""Browser tests: the real app on a real uvicorn, driven by Debian's Chromium (Playwright).

- `web_db`: a fresh seeded database for the test (pages and API commit).
- `site`: the app served on a free loopback port, against `web_db`.
- `browser`: pytest-playwright's, launched from /usr/bin/chromium (never a downloaded
  browser) with the flags a root, offline, headless machine needs.
- `open_browser(role=None)`: a new browser window (context) on the site, signed in as the
  demo user of `role` when given. Every window is watched (`PageWatch`): the test fails on
  any request to another address, any JavaScript error or console error, and any failed
  resource, checked when the test ends.
- `check_accessibility(page)`: axe-core from node_modules, run in the page; no serious or
  critical violation. `screenshots(page, name)`: desktop and tablet images in var/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from fleet_api.app import create_app
from tests.conftest import DEMO_PASSWORD
from tests.fleet_api.conftest import DEMO_LOGINS, Clock, Server, api_settings, create_from_template, database_url

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1366, "height": 850}
TABLET = {"width": 820, "height": 1180}
# Conditions are waited for, never slept on; a shared, busy machine may need longer than 5 s.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": LAUNCH_ARGS}


@pytest.fixture
def web_db(databases, seeded_template) -> Iterator[str]:
    name = create_from_template(databases, seeded_template)
    yield database_url(name)
    databases.drop(name)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def site(web_db) -> Iterator[Server]:
    with Server(create_app(api_settings(web_db))) as server:
        yield server


class PageWatch:
    """Everything that went wrong in one browser window, as sentences."""

    def __init__(self, context: BrowserContext, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []
        self.expected_documents: set[tuple[str, int]] = set()
        self.expected_answers: set[tuple[str, int]] = set()
        context.route(lambda url: not url.startswith(origin + "/"), self._refuse_outside)
        context.on("page", self.watch)

    def _refuse_outside(self, route) -> None:
        self.problems.append(f"request outside the service: {route.request.url}")
        route.abort()

    def expect_document(self, path: str, status: int) -> None:
        """A page the test expects to answer `status` (a refusal), not counted as a failure."""
        self.expected_documents.add((self.origin + path, status))

    def expect_refusal(self, path: str, status: int) -> None:
        """A call of the page's own script the test makes the API refuse (the page shows why)."""
        self.expected_answers.add((self.origin + path, status))

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        page.on("console", self._console)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and any(
            where == url and f"status of {status}" in message.text
            for url, status in self.expected_documents | self.expected_answers
        ):
            return
        self.problems.append(f"console error: {message.text} ({where})")

    def _failed(self, request) -> None:
        # A request cut short because the page was left (a live stream, a script still loading) is not a failure.
        if request.failure == "net::ERR_ABORTED":
            return
        if request.url.startswith(self.origin):
            self.problems.append(f"failed request: {request.url} ({request.failure})")

    def _response(self, response) -> None:
        if response.status < 400:
            return
        if response.request.resource_type == "document" and (response.url, response.status) in self.expected_documents:
            return
        if (response.url, response.status) in self.expected_answers:
            return
        self.problems.append(f"{response.status} for {response.request.resource_type} {response.url}")


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    # Signed in: the logout button is there, though hidden in a phone's closed menu, which the
    # accessibility tree (and so get_by_role, unless told) leaves out once Alpine has closed it.
    expect(page.get_by_role("button", name="Se déconnecter", include_hidden=True)).to_be_attached()
    # The landing page's deferred scripts have run (menu button, Alpine) before the test acts on it:
    # on a busy machine a click could otherwise come before the handler (failed once under load).
    page.wait_for_load_state("load")


@pytest.fixture
def open_browser(browser: Browser, site: Server) -> Iterator[Callable[..., tuple[Page, PageWatch]]]:
    opened: list[tuple[BrowserContext, PageWatch]] = []

    def open_window(role: str | None = None, *, viewport: dict = DESKTOP) -> tuple[Page, PageWatch]:
        context = browser.new_context(base_url=site.url, viewport=viewport, locale="fr-FR", timezone_id="Europe/Paris")
        watch = PageWatch(context, site.url)
        opened.append((context, watch))
        page = context.new_page()
        if role is not None:
            sign_in(page, DEMO_LOGINS[role])
        return page, watch

    yield open_window
    problems = [problem for _, watch in opened for problem in watch.problems]
    for context, _ in opened:
        context.close()
    assert not problems, "the browser saw problems:\n" + "\n".join(problems)


def check_accessibility(page: Page) -> None:
    """axe-core's rules on the page as it is now; fails on serious or critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())  # run by the DevTools protocol: not an inline script for the CSP
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [node["target"] for node in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"accessibility violations on {page.url}:\n{json.dumps(serious, indent=1)}"


def screenshots(page: Page, name: str) -> list[Path]:
    """The page at desktop and tablet sizes, in var/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = []
    original = page.viewport_size
    for size_name, size in (("bureau", DESKTOP), ("tablette", TABLET)):
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{size_name}.png"
        page.screenshot(path=path)
        saved.append(path)
    page.set_viewport_size(original)
    return saved
