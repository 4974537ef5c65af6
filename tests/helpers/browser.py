"""Headless Debian chromium for page tests, with the network "unplugged".

One place for how the browser is started (Playwright driving /usr/bin/chromium, never a
downloaded build) and for the offline guard: every request is recorded, and any request to a
host other than loopback is aborted and kept in ``page.outside``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is not installed"
)


def is_local(url: str) -> bool:
    return url.startswith(("data:", "blob:")) or urlparse(url).hostname in LOCAL_HOSTS


@contextmanager
def launch_chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def offline_page(browser: Any, **context_options: Any) -> Iterator[Any]:
    """A fresh profile; ``page.seen`` lists every request, ``page.outside`` the aborted ones,
    ``page.errors`` the page's uncaught script errors."""
    context = browser.new_context(**({"locale": "zh-CN"} | context_options))
    seen: list[str] = []
    outside: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        seen.append(url)
        if is_local(url):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.seen, page.outside, page.errors = seen, outside, errors
    try:
        yield page
    finally:
        context.close()


def wait_until(page: Any, expression: str, timeout: float = 30_000) -> Any:
    """Poll a JavaScript expression until it is truthy; its value.

    Instead of ``page.wait_for_function``: Playwright 1.65 evaluates that predicate again with
    ``eval`` inside the page, which the pages' Content-Security-Policy (no 'unsafe-eval')
    refuses; ``page.evaluate`` runs through the DevTools protocol, outside the policy."""
    import time

    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{expression!r} still false after {timeout / 1000:g} s")
        time.sleep(0.1)
