"""Helpers the pages tests share."""

import re


def start_pull(client, capture, enterprise, **form):
    with capture(execute=True):
        return client.post("/pulls/", {"enterprise": enterprise.code, **form})


def progress(html):
    match = re.search(r'<progress data-testid="pull-progress" max="(\d+)" value="(\d+)"', html)
    return int(match.group(1)), int(match.group(2))


def connector_form(**overrides):
    form = {
        "name": "郑州市信用平台",
        "kind": "cdp_http_v1",
        "base_url": "https://credit.zhengzhou.example/cdp",
        "region_codes": "410100, 410102",
        "categories": ["tax", "penalty"],
        "key_id": "hub-1",
        "secret": "s3cr3t-value",
    }
    form.update(overrides)
    return form
