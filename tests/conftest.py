"""Fixtures shared by every app's tests."""

# Real-browser fixtures (Playwright + Debian chromium against live_server): see tests/browser.py.
from tests.browser import axe, browser, page  # noqa: F401
