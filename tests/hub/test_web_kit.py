"""The pages' kit: role access, domain errors as 404 pages, and service refusals shown."""

import pytest
from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from hub.errors import Conflict, Forbidden, NotFound
from hub.web.access import role_required
from hub.web.forms import errors_shown_on, run_action

pytestmark = pytest.mark.django_db


def test_an_unknown_role_is_a_mistake_found_at_import():
    with pytest.raises(ValueError):
        role_required("banker")


def test_a_domain_not_found_under_a_page_is_the_404_page(client, enterprise_admin):
    from tests.hub.factories import PASSWORD

    client.login(username=enterprise_admin.username, password=PASSWORD)

    response = client.post("/authorizations/999999/revoke/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_run_action_shows_a_refusal_as_a_message_and_passes_not_found_on():
    request = _request()

    def refuse():
        raise Forbidden("only the checker may publish")

    def missing():
        raise NotFound("gone")

    assert run_action(request, refuse, success="never") is None
    assert [str(message) for message in request._messages] == ["only the checker may publish"]
    with pytest.raises(NotFound):
        run_action(request, missing)


def test_errors_shown_on_keeps_the_refusal_on_the_form():
    class Form(forms.Form):
        amount = forms.IntegerField()

    form = Form({"amount": "5"})
    form.is_valid()

    with errors_shown_on(form) as refusal:
        raise Conflict("taken", fields={"amount": ["already taken"]})

    assert refusal.error.status_code == 409
    assert form.errors["amount"] == ["already taken"]
