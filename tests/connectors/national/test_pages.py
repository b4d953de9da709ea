"""The operator's page of the national link, in Chinese first: its state, pause and resume,
parked facts sent again, the reconciliations."""

import pytest
from django.utils import timezone

from connectors.models import NationalLink, UplinkFact
from connectors.national.reconciliation import national_reconcile
from tests.connectors.national.test_uplink import drain_until_quiet, record

pytestmark = pytest.mark.django_db

URL = "/national/"


@pytest.fixture
def national_node(national_nodes):
    return national_nodes(validate=False, reject_types=frozenset({"monthly_statistics"}))


def test_only_the_operator_opens_the_page(logged_in, bank_officer, platform_admin, client):
    for person in (bank_officer, platform_admin):
        assert logged_in(person).get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_page_says_when_the_link_is_off(logged_in, operator):
    page = logged_in(operator).get(URL).content.decode()
    assert "全国平台互联" in page and 'data-testid="link-off"' in page


def test_the_operator_sees_the_state_parks_and_reports_in_chinese(national_link, logged_in, operator):
    record(3)
    record(1, "monthly_statistics")
    drain_until_quiet()
    NationalLink.objects.filter(pk=1).update(paused=True)
    record(2, "loan_application")  # wait while the link is paused
    national_reconcile(day=timezone.localdate())

    page = logged_in(operator).get(URL).content.decode()

    assert "待发送的事实" in page and 'data-testid="pending">2<' in page
    assert "已暂存的事实" in page and "refused" in page
    assert "对账" in page and timezone.localdate().isoformat() in page
    assert "已暂停" in page and "恢复" in page


def test_pause_resume_and_send_again_from_the_page(national_link, logged_in, operator):
    (fact,) = record(1, "monthly_statistics")
    drain_until_quiet()
    browser = logged_in(operator)

    browser.post("/national/pause/")
    assert NationalLink.get().paused
    assert 'data-paused="1"' in browser.get(URL).content.decode()
    browser.post("/national/resume/")
    assert not NationalLink.get().paused

    national_link.config.reject_types = frozenset()
    browser.post(f"/national/facts/{fact.pk}/requeue/")
    drain_until_quiet()
    assert not UplinkFact.objects.get(pk=fact.pk).parked
    # Sent again already: the button's second press says so and changes nothing.
    answer = browser.post(f"/national/facts/{fact.pk}/requeue/", follow=True)
    assert "此事实未被暂存" in answer.content.decode()
