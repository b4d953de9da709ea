"""An enterprise's signer issues its own credit report in the browser, opens the PDF in
Chromium, and anyone checks it on the public verification page — against a live server and a
real CDP/1 platform over loopback."""

import io
import os

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from connectors.models import CreditReport
from connectors.simulator.server import SimulatorConfig, start_simulator
from tests.connectors.factories import SECRET, ConnectorFactory
from tests.e2e.helpers import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def platform():
    simulator = start_simulator(SimulatorConfig(key_id="hub", secret=SECRET, seed="e2e", page_size=20))
    yield simulator
    simulator.stop()


def test_a_signer_issues_a_report_views_the_pdf_and_anyone_verifies_it(
    page, browser, live_server, platform, enterprise, enterprise_admin, tmp_path
):
    ConnectorFactory(name="河南省信用平台", base_url=platform.base_url, region_codes=["410000"])

    # the legal representative asks for the report on its page
    log_in(page, "ent-admin")
    page.get_by_test_id("nav-reports").click()
    page.get_by_test_id("request-report").click()
    expect(page.get_by_test_id("report-status")).to_have_text("已签发")
    report = CreditReport.objects.get()

    # the PDF opens in Chromium's viewer (its text drawn from the embedded font)
    response = page.request.get(f"/reports/{report.public_id}/pdf/")
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert enterprise.name in text and "企业信用报告" in text
    viewer = page.context.new_page()
    viewer.goto(f"{live_server.url}/reports/{report.public_id}/pdf/", wait_until="load")
    viewer.wait_for_timeout(1500)
    shot = tmp_path / "report-in-chromium.png"
    viewer.screenshot(path=str(shot))
    if os.environ.get("HUB_E2E_SCREENSHOTS"):
        viewer.screenshot(path=os.path.join(os.environ["HUB_E2E_SCREENSHOTS"], "credit-report.png"))
    assert shot.stat().st_size > 10_000  # a page was drawn, not a blank viewport

    # anyone, without logging in, sees it authentic and nothing of the enterprise
    anonymous = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    anonymous.goto(f"/verify/report/{report.public_id}/")
    expect(anonymous.get_by_test_id("report-authentic")).to_be_visible()
    assert enterprise.name not in anonymous.content()

    # the enterprise withdraws it; the page says so
    page.get_by_test_id("withdraw-report").click()
    anonymous.reload()
    expect(anonymous.get_by_test_id("report-withdrawn")).to_be_visible()
