"""Every page of every role, in zh-hans, has no English sentence left untranslated. Pages are
found from the URL table (those without arguments) plus one object of each kind that the
personas can open; the visible text is read without scripts, styles and attributes."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Three or more English words in a row: a sentence someone forgot to mark or translate.
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,][A-Za-z][a-z]+){2,}\b")
# Words that are names, not sentences (codes, formats, protocols, product names).
ALLOWED = re.compile(r"CDP/1|JSON|HTTPS?|Swagger|OpenAPI|GB/T|Excel|CSV|XLSX|API")
SKIPPED_PREFIXES = ("/admin/", "/api/", "/i18n/", "/logout/", "/healthz", "/readyz", "/favicon")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _page_paths() -> list[str]:
    paths = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern) and "<" not in route and "(?P" not in route:
                path = "/" + (prefix + route).lstrip("^").rstrip("$")
                if not path.startswith(SKIPPED_PREFIXES) and "\\" not in path:
                    paths.append(path)

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


def _english_sentences(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    return [match for match in ENGLISH_SENTENCE.findall(text) if not ALLOWED.search(match)]


@pytest.fixture
def objects(
    enterprise_admin, bank_officer, bank_admin, platform_admin, regulator_user, django_capture_on_commit_callbacks
):
    """One of each kind of object the pages show, with what a day leaves on it (a timeline
    with steps, notices, webhook deliveries that failed and one dead-lettered), and the paths
    of their pages."""
    from datetime import date
    from decimal import Decimal

    from hub.models import WebhookDelivery
    from hub.services.webhook_deliveries import RETRIES_EXHAUSTED, webhook_delivery_run
    from hub.services.webhooks import webhook_endpoint_create
    from hub.webhooks.catalogue import EVENT_TYPES
    from lending.services.applications import application_submit, application_transition
    from lending.services.matches import event_create
    from tests.connectors.factories import AuthorizationFactory
    from tests.lending.factories import ProductFactory
    from whitelist.services.whitelists import whitelist_create

    # Nothing listens on port 9: each attempt fails and is logged.
    endpoint, _secret = webhook_endpoint_create(
        actor=bank_admin, url="http://127.0.0.1:9/hooks", event_types=list(EVENT_TYPES), description="信贷系统"
    )
    product = ProductFactory(bank=bank_officer.organization)
    AuthorizationFactory(enterprise=enterprise_admin.organization, bank=bank_officer.organization)
    application = application_submit(
        actor=enterprise_admin, product_id=product.pk, amount=Decimal("600000.00"), term_months=12, purpose="周转"
    )
    application_transition(actor=bank_officer, application_id=application.pk, action="accept")
    application_transition(
        actor=bank_officer,
        application_id=application.pk,
        action="approve",
        amount=Decimal("600000.00"),
        rate=Decimal("3.85"),
        term_months=12,
        guarantee="credit",
    )
    whitelist = whitelist_create(
        actor=platform_admin,
        name="专精特新",
        kind="specialized",
        region_code="410100",
        policy_basis="",
        contact_days=20,
    )
    event = event_create(actor=regulator_user, title="政银企对接会", region_code="410000", held_on=date(2026, 11, 1))
    deliveries = list(WebhookDelivery.objects.order_by("id"))
    for delivery in deliveries:
        webhook_delivery_run(delivery_id=delivery.pk)
    WebhookDelivery.objects.filter(pk=deliveries[0].pk).update(status="dead", last_error=RETRIES_EXHAUSTED)
    return [
        f"/webhooks/{endpoint.pk}/",
        *(f"/webhooks/deliveries/{delivery.pk}/" for delivery in deliveries[:2]),
        f"/applications/{application.pk}/",
        f"/whitelists/{whitelist.pk}/",
        f"/events/{event.pk}/",
        f"/enterprises/{enterprise_admin.organization.code}/profile/",
    ]


@pytest.mark.parametrize(
    "persona",
    ["enterprise_admin", "bank_officer", "bank_admin", "regulator_user", "platform_admin", "operator", None],
)
def test_every_page_reads_in_chinese(client, request, persona, objects):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    found = {}
    for path in [*_page_paths(), *objects]:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        sentences = _english_sentences(response.content.decode())
        if sentences:
            found[path] = sentences[:5]
    assert found == {}
