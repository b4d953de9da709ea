"""Where connectors may point (issue 12, SSRF): HTTP connectors reach public addresses over
https, or explicitly allowed networks, checked at registration and again at every
connection after DNS resolution; file drops live below the configured root."""

import http.server
import ipaddress
import json
import os
import threading

import pytest
from django.db import connection

from connectors.base import ConnectorError
from connectors.models import Connector
from connectors.services.connectors import connector_check_health, connector_client
from connectors.services.pulls import credit_pull_run, credit_pull_start
from hub.net import addresses
from tests.connectors.factories import SECRET, AuthorizationFactory, ConnectorFactory
from tests.connectors.pages.helpers import connector_form

pytestmark = pytest.mark.django_db

URL = "/api/v1/connectors/"

# Every location of the issue, and the other kinds of address the hub must not call.
FORBIDDEN_URLS = [
    "https://169.254.169.254",  # cloud metadata (link-local)
    "https://10.0.0.1:8443",  # private
    "http://127.0.0.1:5432",  # loopback, the database's port
    "https://127.0.0.1:5432",
    "https://localhost:8443",
    "https://db.localhost",
    "https://172.16.0.5",
    "https://192.168.1.1",
    "https://100.64.0.1",  # shared address space (carrier-grade NAT)
    "https://0.0.0.0",
    "https://224.0.0.1",  # multicast
    "https://240.0.0.1",  # reserved
    "https://[::1]:8443",
    "https://[fe80::1]",
    "https://[fc00::1]",
    "https://[::ffff:127.0.0.1]",  # IPv4-mapped loopback
    "https://[::ffff:169.254.169.254]",
    "http://8.8.8.8",  # public, but plain http
    "http://credit.example.com",
    "https://user:password@credit.example.com",
    "https://credit.example.com:notaport",
]
FORBIDDEN_DIRECTORIES = ["/", "/etc", "/root", "{root}", "{root}/../etc", "{root}/platform/../../etc"]


def connector_body(**overrides):
    return {
        "name": "郑州市信用平台",
        "kind": "cdp_http_v1",
        "base_url": "https://credit.zhengzhou.example/cdp",
        "region_codes": ["410100"],
        "categories": ["tax", "penalty"],
        "key_id": "hub-1",
        "secret": "s3cr3t-value",
        **overrides,
    }


@pytest.fixture
def nothing_allowed(settings):
    settings.DEBUG = False
    settings.HUB_OUTBOUND_ALLOWED_NETWORKS = []


@pytest.fixture
def drop_root(settings, tmp_path):
    root = tmp_path / "drops"
    root.mkdir()
    settings.HUB_FILE_DROP_ROOT = root
    return root


@pytest.fixture
def resolves(monkeypatch):
    """``resolves("platform.test", "169.254.169.254")``: the name resolves there (and
    only there) for the connectors, as a DNS server could answer."""
    answers = {}
    real_resolve = addresses.resolve

    def resolve(host, port):
        if host in answers:
            return [(0, ipaddress.ip_address(address)) for address in answers[host]]
        return real_resolve(host, port)

    monkeypatch.setattr(addresses, "resolve", resolve)

    def set_answer(name, *ips):
        answers[name] = ips

    return set_answer


# --- at registration -------------------------------------------------------------------------


@pytest.mark.parametrize("base_url", FORBIDDEN_URLS)
def test_a_connector_to_a_forbidden_address_is_refused_naming_base_url(
    api_client_for, platform_admin, nothing_allowed, base_url
):
    response = api_client_for(platform_admin).post(URL, connector_body(base_url=base_url), format="json")

    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == ["base_url"]
    assert not Connector.objects.exists()


def test_the_refusal_says_which_kind_of_address_it_is(api_client_for, platform_admin, nothing_allowed):
    client = api_client_for(platform_admin)

    metadata = client.post(
        URL, connector_body(base_url="https://169.254.169.254"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    database = client.post(
        URL, connector_body(base_url="http://127.0.0.1:5432"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()

    assert "169.254.169.254, a link-local address" in metadata["error"]["fields"]["base_url"][0]
    assert "127.0.0.1, a loopback address" in database["error"]["fields"]["base_url"][0]


@pytest.mark.parametrize("base_url", ["https://169.254.169.254", "https://10.0.0.1:8443", "http://127.0.0.1:5432"])
def test_the_page_refuses_the_same_addresses_next_to_the_field(logged_in, platform_admin, nothing_allowed, base_url):
    response = logged_in(platform_admin).post("/connectors/", connector_form(base_url=base_url))

    assert response.status_code == 400
    assert 'data-field="base_url"' in response.content.decode()
    assert not Connector.objects.exists()


@pytest.mark.parametrize(
    "base_url",
    ["https://credit.zhengzhou.example/cdp", "https://8.8.8.8", "https://[2001:4860:4860::8888]:8443/cdp"],
)
def test_public_https_locations_are_accepted(api_client_for, platform_admin, nothing_allowed, base_url):
    response = api_client_for(platform_admin).post(URL, connector_body(base_url=base_url), format="json")

    assert response.status_code == 201, response.json()


def test_an_explicitly_allowed_network_is_accepted_over_https_only(api_client_for, platform_admin, settings):
    settings.DEBUG = False
    settings.HUB_OUTBOUND_ALLOWED_NETWORKS = [ipaddress.ip_network("10.20.0.0/16")]
    client = api_client_for(platform_admin)

    assert client.post(URL, connector_body(base_url="https://10.20.1.2:8443"), format="json").status_code == 201
    assert client.post(URL, connector_body(base_url="http://10.20.1.2"), format="json").status_code == 400
    assert client.post(URL, connector_body(base_url="https://10.21.0.1"), format="json").status_code == 400


def test_loopback_is_accepted_with_debug(api_client_for, platform_admin, settings):
    settings.DEBUG = True
    settings.HUB_OUTBOUND_ALLOWED_NETWORKS = []

    response = api_client_for(platform_admin).post(URL, connector_body(base_url="http://127.0.0.1:8100"), format="json")

    assert response.status_code == 201
    assert (
        api_client_for(platform_admin).post(URL, connector_body(base_url="https://10.0.0.1"), format="json").status_code
        == 400
    )


@pytest.mark.parametrize("directory", FORBIDDEN_DIRECTORIES)
def test_a_file_drop_outside_the_root_is_refused_naming_base_url(api_client_for, platform_admin, drop_root, directory):
    body = connector_body(kind="file_drop", base_url=directory.format(root=drop_root), key_id="", secret="")

    response = api_client_for(platform_admin).post(URL, body, format="json")

    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == ["base_url"]


def test_a_symlink_out_of_the_file_drop_root_is_refused(api_client_for, platform_admin, drop_root, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (drop_root / "platform").symlink_to(outside)
    body = connector_body(kind="file_drop", base_url=str(drop_root / "platform"), key_id="", secret="")

    response = api_client_for(platform_admin).post(URL, body, format="json")

    assert response.status_code == 400
    assert "base_url" in response.json()["error"]["fields"]


def test_a_file_drop_below_the_root_is_accepted(api_client_for, platform_admin, drop_root):
    body = connector_body(kind="file_drop", base_url=str(drop_root / "zhengzhou"), key_id="", secret="")

    assert api_client_for(platform_admin).post(URL, body, format="json").status_code == 201


# --- at every connection ------------------------------------------------------------------------


def test_a_stored_connector_to_loopback_fails_its_health_check_without_a_request(running_simulator, nothing_allowed):
    # Registered before the rule (or by hand): it stays, and every connection is refused.
    connector = ConnectorFactory(base_url=running_simulator.base_url, secret=SECRET)

    checked = connector_check_health(connector_id=connector.pk)

    assert checked.health_state == "unhealthy"
    assert checked.health_detail.startswith("forbidden_address: address refused: 127.0.0.1")
    assert "loopback" in checked.health_detail
    assert sum(running_simulator.stats.values()) == 0
    assert Connector.objects.filter(pk=connector.pk).exists()


def test_a_name_resolving_to_localhost_is_refused_at_connect_time(running_simulator, nothing_allowed):
    connector = ConnectorFactory(base_url=running_simulator.base_url.replace("127.0.0.1", "localhost"), secret=SECRET)

    assert connector_check_health(connector_id=connector.pk).health_detail.startswith("forbidden_address")
    assert sum(running_simulator.stats.values()) == 0


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.1", "127.0.0.1", "::ffff:10.0.0.1", "fe80::1"])
def test_a_public_name_resolving_to_a_forbidden_address_is_refused_at_connect_time(resolves, nothing_allowed, address):
    resolves("credit.zhengzhou.example", address)
    connector = ConnectorFactory(base_url="https://credit.zhengzhou.example/cdp")

    with pytest.raises(ConnectorError) as refused:
        connector_client(connector).check_health()

    assert refused.value.permanent and refused.value.code == "forbidden_address"
    assert address.removeprefix("::ffff:") in refused.value.message


def test_a_name_with_one_forbidden_address_among_public_ones_is_refused(resolves, nothing_allowed):
    resolves("credit.zhengzhou.example", "8.8.8.8", "10.0.0.1")
    connector = ConnectorFactory(base_url="https://credit.zhengzhou.example/cdp")

    with pytest.raises(ConnectorError) as refused:
        connector_client(connector).check_health()

    assert refused.value.code == "forbidden_address"


def test_the_identity_check_is_refused_the_same_way(resolves, nothing_allowed):
    resolves("credit.zhengzhou.example", "169.254.169.254")
    connector = ConnectorFactory(base_url="https://credit.zhengzhou.example/cdp", capabilities=["identity"])

    with pytest.raises(ConnectorError) as refused:
        connector_client(connector).verify_identity(uscc="x", name="y", id_number="z")

    assert refused.value.code == "forbidden_address"


def test_a_pull_from_a_forbidden_address_fails_its_source_once_without_retries(
    running_simulator, nothing_allowed, enterprise, bank, bank_officer
):
    ConnectorFactory(base_url=running_simulator.base_url)
    AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["tax"])
    pull = credit_pull_start(actor=bank_officer, enterprise_uscc=enterprise.code)

    status = credit_pull_run(pull_id=pull.pk)

    source = pull.sources.get()
    assert status == "failed"
    assert source.error.startswith("forbidden_address:") and source.attempts == 1
    assert sum(running_simulator.stats.values()) == 0


def test_the_connection_goes_to_the_checked_address_under_the_name(running_simulator, resolves, settings):
    # The simulator listens on 127.0.0.1 only: reaching it through a name proves the
    # connection used the address that was resolved and checked, with the name kept.
    resolves("platform.test", "127.0.0.1")
    connector = ConnectorFactory(base_url=running_simulator.base_url.replace("127.0.0.1", "platform.test"))

    assert connector_check_health(connector_id=connector.pk).health_state == "healthy"

    settings.HUB_OUTBOUND_ALLOWED_NETWORKS = []
    resolves("platform.test", "127.0.0.1")
    assert connector_check_health(connector_id=connector.pk).health_detail.startswith("forbidden_address")


class _RedirectingHandler(http.server.BaseHTTPRequestHandler):
    target = ""
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 - the standard library's name
        self.seen.append(self.path)
        if self.target:
            self.send_response(302)
            self.send_header("Location", self.target + self.path)
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_redirect_is_not_followed(running_simulator):
    class Redirecting(_RedirectingHandler):
        seen = []

    class Target(_RedirectingHandler):
        seen = []

    target = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Target)
    Redirecting.target = f"http://127.0.0.1:{target.server_port}"
    redirecting = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    servers = [target, redirecting]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        connector = ConnectorFactory(base_url=f"http://127.0.0.1:{redirecting.server_port}")
        with pytest.raises(ConnectorError) as refused:
            connector_client(connector).check_health()
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()

    assert refused.value.permanent and refused.value.code == "redirect"
    assert Redirecting.seen == ["/v1/health"] and Target.seen == []


def test_a_stored_file_drop_outside_the_root_fails_at_use(drop_root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    connector = ConnectorFactory(kind="file_drop", base_url=str(outside), key_id="", secret="")

    checked = connector_check_health(connector_id=connector.pk)

    assert checked.health_state == "unhealthy" and checked.health_detail.startswith("forbidden_location")


def test_a_symlink_planted_as_the_spool_is_not_followed(drop_root, tmp_path, enterprise, bank, bank_officer):
    directory = drop_root / "platform"
    directory.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, directory / "spool")
    (directory / "batch.jsonl").write_text(json.dumps({"uscc": enterprise.code, "source_id": "a"}) + "\n")
    ConnectorFactory(kind="file_drop", base_url=str(directory), key_id="", secret="", categories=["tax"])
    AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["tax"])
    pull = credit_pull_start(actor=bank_officer, enterprise_uscc=enterprise.code)

    assert credit_pull_run(pull_id=pull.pk) == "failed"
    assert pull.sources.get().error.startswith("forbidden_location")
    assert list(elsewhere.iterdir()) == []


def test_a_file_that_is_a_symlink_is_never_read(drop_root, tmp_path, enterprise):
    from django.utils import timezone

    from connectors import registry
    from connectors.base import RecordQuery

    directory = drop_root / "platform"
    directory.mkdir()
    secret_file = tmp_path / "someone-elses.jsonl"
    secret_file.write_text(
        json.dumps({"uscc": enterprise.code, "source_id": "s", "category": "tax", "data": {}}) + "\n"
    )
    os.symlink(secret_file, directory / "stolen.jsonl")
    client = registry.get("file_drop")(base_url=str(directory), key_id="", secret="")
    query = RecordQuery(
        request_id="r",
        uscc=enterprise.code,
        categories=["tax"],
        authorization_id="1",
        purpose="p",
        expires_at=timezone.now(),
    )

    assert client.fetch_page(query, None).records == []


def test_connector_rows_keep_their_location(running_simulator, nothing_allowed):
    connector = ConnectorFactory(base_url=running_simulator.base_url)
    connector_check_health(connector_id=connector.pk)

    with connection.cursor() as cursor:
        cursor.execute("SELECT base_url FROM connectors_connector WHERE id = %s", [connector.pk])
        assert cursor.fetchone()[0] == running_simulator.base_url


def _certificate_for(name: str, directory) -> tuple[str, str]:
    """A self-signed certificate for ``name`` (and only that name), as PEM files."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


@pytest.mark.parametrize("certificate_name, works", [("platform.test", True), ("other.test", False)])
def test_tls_checks_the_certificate_and_sends_sni_for_the_name_not_the_address(
    tmp_path, resolves, certificate_name, works
):
    import ssl

    import requests

    from hub.net.transport import checked_session

    cert_path, key_path = _certificate_for(certificate_name, tmp_path)
    server_names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    context.sni_callback = lambda _socket, server_name, _context: server_names.append(server_name)

    class Handler(_RedirectingHandler):
        seen = []
        hosts = []

        def do_GET(self):  # noqa: N802
            self.hosts.append(self.headers["Host"])
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    resolves("platform.test", "127.0.0.1")
    session = checked_session()
    session.verify = cert_path
    try:
        if works:
            response = session.get(f"https://platform.test:{server.server_port}/v1/health", timeout=5)
            assert response.status_code == 200
            assert Handler.hosts == [f"platform.test:{server.server_port}"]
        else:
            with pytest.raises(requests.exceptions.SSLError):
                session.get(f"https://platform.test:{server.server_port}/v1/health", timeout=5)
            assert Handler.seen == []
    finally:
        server.shutdown()
        server.server_close()
    assert server_names and set(server_names) == {"platform.test"}
