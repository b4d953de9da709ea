"""Helpers the pulls tests share."""

from connectors.simulator.data import records_for
from tests.connectors.factories import ConnectorFactory

URL = "/api/v1/credit-pulls/"


def start_pull(client, enterprise, capture, **body):
    with capture(execute=True):
        response = client.post(URL, {"enterprise": enterprise.code, **body}, format="json")
    return response


def expected_records(enterprise, categories, seed="tests"):
    return sum(len(records_for(enterprise.code, category, seed=seed)) for category in categories)


def run_pull_with(simulator, enterprise, bank_officer, capture, client, categories=("tax", "penalty")):
    ConnectorFactory(base_url=simulator.base_url)
    response = start_pull(client, enterprise, capture, categories=list(categories))
    return client.get(f"{URL}{response.json()['id']}/").json()


def _cursor_after_first_page(simulator, enterprise, authorization, source):
    from connectors.base import RecordQuery
    from connectors.services.connectors import connector_client

    query = RecordQuery(
        request_id="r",
        uscc=enterprise.code,
        categories=list(source.categories),
        authorization_id=str(authorization.pk),
        purpose="loan_review",
        expires_at=authorization.expires_at,
    )
    return connector_client(source.connector).fetch_page(query, None).next_cursor
