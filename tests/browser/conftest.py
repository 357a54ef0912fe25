"""Browser tests: the real app served on loopback, driven by headless Chromium.

* ``live_server`` (one per test module): ``create_app`` over a fresh SQLite file with
  the demo loaded, CSRF on (the real forms), served by werkzeug in a thread on
  127.0.0.1 and a free port. The server runs in this process, so ``server_clock``
  (time-machine) moves the clock the app sees as well.
* ``browser`` (one per run): Debian's ``/usr/bin/chromium`` through Playwright.
  Playwright's own browser download cannot work here, so it is never used.
* ``page``: a fresh context per test (en-US, 1280x800). Change its options with
  ``@pytest.mark.browser_context(timezone_id="Asia/Tokyo", color_scheme="dark", ...)``
  or open more with ``new_page(**options)``.

Every test under tests/browser/ is marked ``browser``. Without Chromium or Playwright
they are skipped with the reason, unless MEETBOT_REQUIRE_BROWSER=1 (then they fail).
Screenshots go to a temporary folder, or to docs/screenshots/ with
MEETBOT_SCREENSHOTS=1 (``make screenshots``).
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

try:  # Test modules import ``expect`` from here, so they still collect (and skip) without it.
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - reported as a skip (or a failure) below
    expect = None

CHROMIUM = os.environ.get("MEETBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = os.environ.get("MEETBOT_REQUIRE_BROWSER") == "1"
ROOT = Path(__file__).resolve().parents[2]
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"

# Demo accounts (meetbot.services.demo): all share DEMO_PASSWORD.
ADMIN = "admin@example.org"
ORGANIZER = "ilona.varga@example.org"
CHAIR = "beth.morgan@example.org"
MEMBER = "kenji.sato@example.org"

# The demo's year of calls ends here, so the journeys' calls (March 2026 on) are
# still ahead of it, whatever day the tests run.
DEMO_TODAY = date(2026, 3, 1)

# A page here loads in milliseconds, but 2 shared cores under a full test run can be slow.
TIMEOUT_MS = 15_000


def _missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -r requirements-dev.txt)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} not found (apt-get install chromium)"
    return None


def pytest_report_header(config: pytest.Config) -> list[str]:
    reason = _missing_reason()
    if reason is None:
        return [f"meetbot: browser tests run in {CHROMIUM} (headless)"]
    return [f"meetbot: browser tests will be SKIPPED: {reason}"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser_context(**options): Playwright new_context options for `page`"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    reason = _missing_reason()
    for item in items:
        if here not in Path(str(item.fspath)).parents:
            continue
        item.add_marker(pytest.mark.browser)
        if reason is not None and not REQUIRE_BROWSER:
            item.add_marker(pytest.mark.skip(reason=f"browser test skipped: {reason}"))


# --------------------------------------------------------------------------- server


@dataclass
class LiveServer:
    """The app served on loopback; ``url(path)`` builds absolute URLs."""

    app: Any
    base_url: str
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def app_context(self):
        """An app context for arranging or checking data directly in the database."""
        return self.app.app_context()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


def _listening_socket() -> socket.socket:
    """A socket on a free loopback port, already listening.

    Binding first and handing the socket to the server leaves no moment in which
    another process (a second xdist worker, another run) could take the port.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def start_live_server(db_path: Path, config: dict[str, Any] | None = None) -> LiveServer:
    """Build the app over a fresh SQLite file with the demo and serve it in a thread
    (``config``: more settings, e.g. the mail server of a test module)."""
    from werkzeug.serving import make_server

    from meetbot import create_app
    from meetbot.extensions import db
    from meetbot.services.demo import load_demo

    sock = _listening_socket()
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(
        {
            "TESTING": False,  # real error pages, real CSRF
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "browser-test-secret",
            "WTF_CSRF_ENABLED": True,
            # Many logins from one address within a minute are the tests, not an attack.
            "RATELIMIT_ENABLED": False,
            "MEETBOT_BASE_URL": base_url,
            "MEETBOT_UID_DOMAIN": "meetbot.test",
            "SESSION_COOKIE_SECURE": False,
            **(config or {}),
        }
    )
    with app.app_context():
        db.create_all()
        load_demo(today=DEMO_TODAY)
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True, fd=sock.fileno())
    sock.close()  # the server works on its own duplicate of the descriptor
    thread = threading.Thread(target=server.serve_forever, name="meetbot-live", daemon=True)
    thread.start()
    return LiveServer(app=app, base_url=base_url, _server=server, _thread=thread)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A fresh demo database and server for each test module."""
    server = start_live_server(tmp_path_factory.mktemp("live") / "meetbot.sqlite")
    try:
        yield server
    finally:
        server.stop()
        with server.app.app_context():
            from meetbot.extensions import db

            db.engine.dispose()


@pytest.fixture
def server_clock(time_machine) -> Callable[[datetime], None]:
    """``server_clock(aware_datetime)``: the app (and this test) see that time, ticking on.

    time-machine patches the process-wide clock functions, so the server thread
    sees the new time too; it is undone at the end of the test. Log in *after* moving
    the clock back: Flask refuses a session cookie signed later than "now".
    """

    def move_to(when: datetime) -> None:
        assert when.tzinfo is not None, "give the server clock an aware datetime"
        time_machine.move_to(when, tick=True)

    return move_to


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _missing_reason()
    if reason is not None:
        if REQUIRE_BROWSER:
            pytest.fail(f"MEETBOT_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


DEFAULT_CONTEXT = {
    "locale": "en-US",
    "timezone_id": "Europe/London",
    "viewport": {"width": 1280, "height": 800},
}


@pytest.fixture
def new_page(browser, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """``new_page(timezone_id=..., color_scheme=..., viewport=..., permissions=...)``: a page
    in a fresh browser context (own cookies), its base URL the live server."""
    contexts = []

    def open_page(**options: Any):
        context = browser.new_context(
            **{**DEFAULT_CONTEXT, "base_url": live_server.base_url, **options}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.js_errors = watch_errors(page)
        return page

    yield open_page
    for context in contexts:
        for page in context.pages:
            assert not page.js_errors, f"errors in the browser console: {page.js_errors}"
        context.close()


def watch_errors(page) -> list[str]:
    """Collect script errors, CSP refusals and failed sub-resources (CSS, JS, images).

    A test may clear ``page.js_errors`` after provoking an error on purpose; a 4xx
    *page* (the document itself) is the test's business and is not collected.
    """
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))

    def on_console(msg) -> None:
        # Resource failures are reported below with their URL instead.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(f"console: {msg.text}")

    def on_response(response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} for {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)

    def on_request_failed(request) -> None:
        # A navigation aborts what the previous page was still loading (e.g. its icon).
        if "ERR_ABORTED" not in (request.failure or ""):
            errors.append(f"failed: {request.url} {request.failure}")

    page.on("requestfailed", on_request_failed)
    return errors


@pytest.fixture
def page(new_page, request: pytest.FixtureRequest):
    """A page in a fresh context; options from ``@pytest.mark.browser_context(...)``."""
    marker = request.node.get_closest_marker("browser_context")
    return new_page(**(marker.kwargs if marker else {}))


# --------------------------------------------------------------------------- helpers


def log_in(page, email: str, password: str | None = None) -> None:
    """Log in through the real form (CSRF token and all) and wait for the welcome."""
    from meetbot.services.demo import DEMO_PASSWORD

    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text(re.compile(r"^Welcome, ")).wait_for()


@pytest.fixture(scope="module")
def login_state(browser, live_server: LiveServer) -> Callable[[str], dict]:
    """``login_state(email)``: the cookies of a session logged in through the real form,
    made once per module and account; ``new_page(storage_state=login_state(CHAIR))``
    opens a page already logged in (saves a form round trip per test). Not with
    ``server_clock`` set to the past: a session signed "in the future" is refused."""
    states: dict[str, dict] = {}

    def get(email: str) -> dict:
        if email not in states:
            context = browser.new_context(**{**DEFAULT_CONTEXT, "base_url": live_server.base_url})
            context.set_default_timeout(TIMEOUT_MS)
            try:
                log_in(context.new_page(), email)
                states[email] = context.storage_state()
            finally:
                context.close()
        return states[email]

    return get


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/screenshots/ with MEETBOT_SCREENSHOTS=1, else a temporary folder, so an
    ordinary test run does not rewrite committed pictures."""
    if os.environ.get("MEETBOT_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshot_dir: Path) -> Callable[..., Path]:
    """``screenshot(page, "group")`` saves ``group.png`` (the viewport) and returns its path."""

    def take(page, name: str, *, full_page: bool = False) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        assert path.stat().st_size > 5000, f"{name}.png looks empty"
        return path

    return take


def axe_violations(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's violations of ``impacts`` on the current page (axe-playwright-python).

    axe is injected with ``page.evaluate``, which the page's CSP does not restrict.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in impacts]


def format_violations(violations: list[dict]) -> str:
    """A readable list for assertion messages."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)
