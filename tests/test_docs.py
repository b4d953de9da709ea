"""The project's own documents say what the code does: the connector guide's signing vectors
are what the hub's signing computes, and the README and docs link only inside the
repository (a clone has no ../shared)."""

import re
from pathlib import Path

from connectors.kinds.cdp_http_v1 import signing

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "connector-guide.md").read_text(encoding="utf-8")


def test_the_connector_guides_signing_vectors_are_the_hubs():
    body = re.search(r"body \(exact bytes\):\s*```\s*(\{.*?\})\s*```", GUIDE, re.S).group(1).encode("utf-8")
    secret = "s3cret-中原"
    post = signing.sign_request(
        secret, "POST", "/cdp/v1/records/query", "1790000000", "0123456789abcdef0123456789abcdef", body
    )
    get = signing.sign_request(secret, "GET", "/v1/health", "1790000000", "fedcba9876543210fedcba9876543210", b"")
    response = signing.sign_response(
        secret, "fedcba9876543210fedcba9876543210", b'{"status":"ok","categories":["tax","penalty"]}'
    )

    signatures = re.findall(r"`X-CDP-Signature`: `([0-9a-f]{64})`", GUIDE)
    assert signatures == [post, get]
    assert response in GUIDE


def test_the_readme_and_docs_link_only_inside_the_repository():
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = document.read_text(encoding="utf-8")
        assert "../shared" not in text, document.name
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if target.startswith(("http://", "https://")):
                continue
            assert (document.parent / target).exists(), f"{document.name} links {target}"
