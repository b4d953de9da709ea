"""Headless Chromium (the system's, see scripts/test.sh) driven by Playwright against a
live server."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import require_service

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are plain synchronous calls all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    require_service("Chromium", executable is not None, "apt-get install chromium (the test command does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every browser test also checks the content security policy: whatever the browser refused
# (or, in report-only mode, would have refused) on any page the test opened fails the test.
# Chromium reports each violation on the console and as a securitypolicyviolation event.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("securitypolicyviolation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " in " + event.documentURI + " (" + (event.sourceFile || "") + ":" + event.lineNumber + ")");
});
"""


def is_policy_violation(text: str) -> bool:
    return "securitypolicyviolation" in text or "Content Security Policy" in text


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.policy_violations = []
    page.on(
        "console", lambda message: is_policy_violation(message.text) and page.policy_violations.append(message.text)
    )
    yield page
    context.close()
    if page.policy_violations:
        pytest.fail("content security policy violations:\n" + "\n".join(page.policy_violations), pytrace=False)
