"""Every change an admin makes to an endpoint is audited in the organization's chain, in the
transaction of the change: created, changed, rotated, paused, resumed, deleted. The secret
itself is never written to the log."""

from __future__ import annotations

import pytest
from django.db import transaction

from hub.audit import chain_for
from hub.models import AuditEvent, WebhookEndpoint
from hub.services import webhooks as services

pytestmark = pytest.mark.django_db


def _actions(organization_id: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(chain=chain_for(organization_id))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def test_each_change_to_an_endpoint_is_audited(bank_admin, receiver):
    endpoint, secret = services.webhook_endpoint_create(
        actor=bank_admin, url=receiver.url, event_types=["application.submitted"]
    )
    services.webhook_endpoint_update(actor=bank_admin, endpoint_id=endpoint.pk, event_types=["match.created"])
    _, new_secret = services.webhook_endpoint_rotate_secret(actor=bank_admin, endpoint_id=endpoint.pk)
    services.webhook_endpoint_pause(actor=bank_admin, endpoint_id=endpoint.pk)
    services.webhook_endpoint_resume(actor=bank_admin, endpoint_id=endpoint.pk)
    services.webhook_endpoint_delete(actor=bank_admin, endpoint_id=endpoint.pk)

    assert _actions(bank_admin.organization_id) == [
        "webhook_endpoint.created",
        "webhook_endpoint.changed",
        "webhook_endpoint.rotated",
        "webhook_endpoint.paused",
        "webhook_endpoint.resumed",
        "webhook_endpoint.deleted",
    ]
    events = AuditEvent.objects.filter(chain=chain_for(bank_admin.organization_id))
    assert {event.actor_user_id for event in events} == {bank_admin.pk}
    assert {event.object_id for event in events} == {str(endpoint.pk)}
    changed = events.get(action="webhook_endpoint.changed")
    assert changed.data["event_types"] == ["match.created"]
    assert changed.data["changed"] == ["event_types"]
    logged = " ".join(str(event.data) for event in events)
    assert secret not in logged and new_secret not in logged


def test_a_rolled_back_creation_leaves_no_audit_event(bank_admin, receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.webhook_endpoint_create(actor=bank_admin, url=receiver.url, event_types=["application.submitted"])
        raise RuntimeError("rolled back")

    assert not WebhookEndpoint.objects.exists()
    assert _actions(bank_admin.organization_id) == []
