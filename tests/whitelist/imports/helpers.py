"""Helpers the imports tests share."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hub.identifiers import make_uscc
from whitelist.models import WhitelistImport
from whitelist.services.imports import import_run

HEADER = "uscc,name,reason,recommended_amount,valid_until"


FUTURE = (timezone.localdate() + timedelta(days=365)).isoformat()


def uscc(serial):
    return make_uscc(region_code="410100", serial=serial)


def csv_bytes(*lines, encoding="utf-8", bom=False):
    text = "\n".join([HEADER, *lines]) + "\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def upload(client, whitelist_id, content: bytes, name="list.csv", capture=None):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(f"/api/v1/whitelists/{whitelist_id}/imports/", {"file": file}, format="multipart")


def run(response, django_capture_on_commit_callbacks=None):
    assert response.status_code == 202, response.content
    import_run(import_id=response.json()["id"])
    return WhitelistImport.objects.get(pk=response.json()["id"])
