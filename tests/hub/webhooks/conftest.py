import pytest

from hub.services.webhooks import webhook_endpoint_create
from tests.hub.webhooks.receiver import start_receiver


@pytest.fixture
def receiver():
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def endpoint_on(bank_admin):
    """``endpoint_on(receiver, event_types)`` → (endpoint, its secret) of the bank."""

    def make(receiver, event_types=("authorization.granted", "authorization.revoked")):
        return webhook_endpoint_create(actor=bank_admin, url=receiver.url, event_types=list(event_types))

    return make
