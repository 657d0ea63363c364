"""Real-browser fixtures: Playwright driving Debian's chromium against pytest-django's live_server.

No test tool may download a browser here (`playwright install` fails), so the fixtures launch the
system chromium. Without it the browser tests are skipped with the reason, or fail when
REQUIRE_BROWSER_TESTS=1 (CI sets it, so a missing browser cannot pass silently).

Usage in a test module::

    pytestmark = [
        pytest.mark.browser,
        # live_server tests are transactional: the database is flushed after each one, rows made
        # by migrations (Wagtail's root page and locale) included; serialized_rollback restores them.
        pytest.mark.django_db(transaction=True, serialized_rollback=True),
    ]

    def test_something(page, axe):
        page.goto("/projets/")   # relative to live_server.url
        assert axe(page) == []   # serious/critical WCAG 2.1 A/AA violations
        assert page.errors == []  # no JavaScript error, no failed resource
"""

import json
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags checked on these machines (running as root, no network): without the background-networking
# flags Chromium keeps trying to reach closed hosts. Playwright adds a fresh --user-data-dir itself
# (a temporary profile per launch) and refuses one passed in args.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_BLOCKING_IMPACTS = {"serious", "critical"}
DEFAULT_TIMEOUT_MS = 10_000


def _unavailable(reason):
    if os.environ.get("REQUIRE_BROWSER_TESTS", "") not in ("", "0"):
        pytest.fail(f"{reason} (REQUIRE_BROWSER_TESTS is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole session; each test gets its own context."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) "
            "to run the browser tests"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread, so Django would refuse ORM calls
    # made by the test itself (fixtures, factories, assertions) with SynchronousOnlyOperation.
    # The live server answers from its own thread; the test thread's calls are really synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    snapshots = _serialized_snapshots()
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            _restore_serialized_snapshots(snapshots)
            try:
                yield instance
            finally:
                instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _serialized_snapshots():
    """The database snapshots Django took for serialized_rollback, by connection alias."""
    from django.db import connections

    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


def _restore_serialized_snapshots(snapshots):
    """Hand the snapshots to the connection objects the test thread sees from now on.

    Django keeps connections in an asgiref Local (context variables). Once Playwright's sync API
    has switched greenlets, the test code runs in another context and gets fresh connection
    objects without `_test_serialized_contents`: serialized_rollback would then silently skip
    the restore (Wagtail's root page would be gone) whenever the database was set up before the
    browser started, as it is in a full run.
    """
    from django.db import connections

    for alias, contents in snapshots.items():
        if not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = contents


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (own cookies and storage) whose relative URLs go to the live server.

    `page.errors` collects uncaught JavaScript errors and console errors, so a test can assert
    that a journey ran without them.
    """
    context = browser.new_context(
        base_url=live_server.url,
        # The site's Content-Security-Policy (script-src 'self') refuses the axe-core script the
        # audit injects inline: these tabs do not apply the policy (its headers are tested on
        # the server's responses, not here).
        bypass_csp=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    tab = context.new_page()
    tab.errors = []

    def on_console(message):
        if message.type == "error":
            tab.errors.append(f"console: {message.text}")

    tab.on("pageerror", lambda error: tab.errors.append(f"pageerror: {error}"))
    tab.on("console", on_console)
    try:
        yield tab
    finally:
        context.close()


def run_axe(page, selector=None, tags=AXE_TAGS):
    """Run axe-core in `page` and return its serious/critical WCAG 2.1 A/AA violations."""
    if not AXE_JS.exists():
        _unavailable(f"{AXE_JS} missing: run bin/assets.sh (make assets) to install axe-core")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the site's Content-Security-Policy
        # (script-src 'self') rightly refuses inline scripts, and evaluation is not one.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;void 0")
    violations = page.evaluate(
        """async ([selector, tags]) => {
            // Colours read mid-transition (a message fading in) are neither the start's nor the
            // end's: let finite animations end first (at most 2 s; endless ones are skipped).
            const finite = document.getAnimations().filter((animation) => {
                const timing = animation.effect && animation.effect.getComputedTiming();
                return timing && timing.endTime !== Infinity;
            });
            await Promise.race([
                Promise.all(finite.map((animation) => animation.finished.catch(() => null))),
                new Promise((resolve) => setTimeout(resolve, 2000)),
            ]);
            const result = await axe.run(selector ? document.querySelector(selector) : document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return result.violations;
        }""",
        [selector, list(tags)],
    )
    return [v for v in violations if v.get("impact") in AXE_BLOCKING_IMPACTS]


def describe_violations(violations):
    """A readable summary for assertion messages: rule, impact, help and the offending nodes."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation.get("nodes", [])[:5]:
            lines.append(f"    {json.dumps(node.get('target'))}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


@pytest.fixture
def axe():
    """`axe(page, selector=None)` → list of serious/critical WCAG 2.1 A/AA violations."""
    return run_axe
