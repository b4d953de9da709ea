"""What the browser tests share."""

from playwright.sync_api import expect

from tests.hub.factories import PASSWORD


def log_in(page, username):
    """Sign in on the login page and wait until the banner names the user."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_contain_text(username)
