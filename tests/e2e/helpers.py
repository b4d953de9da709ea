"""What the browser tests share."""

import pytest
from playwright.sync_api import expect

from tests.hub.factories import PASSWORD


def log_in(page, username):
    """Sign in on the login page and wait until the banner names the user."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_contain_text(username)


# Every browser test also checks the content security policy: whatever the browser refused
# (or, in report-only mode, would have refused) on any page the test opened fails the test.
# Chromium reports each violation on the console and as a securitypolicyviolation event.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("securitypolicyviolation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " in " + event.documentURI + " (" + (event.sourceFile || "") + ":" + event.lineNumber + ")");
});
"""


def _is_policy_violation(text: str) -> bool:
    return "securitypolicyviolation" in text or "Content Security Policy" in text


def watch_policy_violations(context) -> list[str]:
    """The list that collects every policy violation on the pages of ``context``."""
    violations: list[str] = []
    context.add_init_script(_REPORT_VIOLATIONS)
    context.on("console", lambda message: _is_policy_violation(message.text) and violations.append(message.text))
    return violations


def fail_on_policy_violations(violations: list[str]) -> None:
    if violations:
        pytest.fail("content security policy violations:\n" + "\n".join(violations), pytrace=False)
