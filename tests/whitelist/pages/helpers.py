"""Helpers the pages tests share."""

import html
import re
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from hub.identifiers import make_uscc

HEADER = "uscc,name,reason,recommended_amount,valid_until"


FUTURE = (timezone.localdate() + timedelta(days=365)).isoformat()


def uscc(serial):
    return make_uscc(region_code="410100", serial=serial)


def csv_file(*lines, name="list.csv"):
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode(), content_type="text/csv")


def text(response) -> str:
    return html.unescape(response.content.decode())


def in_chinese(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def progress(page_html):
    match = re.search(r'<progress data-testid="import-progress" max="(\d+)"(?: value="(\d+)")?', page_html)
    return int(match.group(1)), (int(match.group(2)) if match.group(2) is not None else None)
