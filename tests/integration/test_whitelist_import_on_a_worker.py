"""A whitelist upload imported by the real worker from the imports queue, on PostgreSQL."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.identifiers import make_uscc
from tests.integration.conftest import wait_for
from whitelist.models import WhitelistEntry, WhitelistImport

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_upload_is_imported_on_the_worker_with_progress_and_errors(
    celery_worker_process, api_client_for, platform_admin
):
    client = api_client_for(platform_admin)
    whitelist = client.post(
        "/api/v1/whitelists/", {"name": "稳链企业", "kind": "supply_chain", "region_code": "410100"}, format="json"
    ).json()
    lines = ["uscc,name,reason,recommended_amount,valid_until"]
    lines += [
        f"{make_uscc(region_code='410100', serial=700_000 + i)},企业{i},稳链,{(i + 1) * 1000}.00," for i in range(2500)
    ]
    lines.append("not-a-code,坏行,,,")
    upload = SimpleUploadedFile("list.csv", ("\n".join(lines) + "\n").encode("gb18030"))

    response = client.post(f"/api/v1/whitelists/{whitelist['id']}/imports/", {"file": upload}, format="multipart")

    assert response.status_code == 202 and response.json()["status"] == "queued"
    done = wait_for(
        lambda: (
            (record := WhitelistImport.objects.get(pk=response.json()["id"])).status in ("succeeded", "failed")
            and record
        ),
        timeout=120,
        message="the import",
    )
    assert (done.status, done.total_rows, done.processed_rows, done.accepted, done.rejected) == (
        "succeeded",
        2501,
        2501,
        2500,
        1,
    )
    assert WhitelistEntry.objects.filter(whitelist_id=whitelist["id"]).count() == 2500
