"""The deployment files: gunicorn, the process scripts, nginx, the environment example."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from hub.client_address import trusted_proxies_parse
from tests.conftest import require_service
from tests.deploy.helpers import (
    DEPLOY,
    QUEUES,
    ROOT,
    SCRIPTS,
    SECRET_VARIABLES,
    SETTINGS_VARIABLES,
    UNITS,
    _env_example,
    _gunicorn_settings,
    _nginx_text_without_comments,
    production_env,
)


def test_gunicorn_config_defaults_to_loopback_and_two_workers_per_core_plus_one(monkeypatch):
    settings = _gunicorn_settings(monkeypatch)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["workers"] == 2 * cores + 1
    assert settings["wsgi_app"] == "hub.wsgi:application"
    assert settings["accesslog"] == "-"
    assert settings["worker_tmp_dir"] in ("/dev/shm", None)
    assert "127.0.0.1" in settings["forwarded_allow_ips"]
    assert 0 < settings["graceful_timeout"] <= settings["timeout"] <= 120


def test_gunicorn_config_reads_bind_workers_and_trusted_proxies_from_env(monkeypatch):
    settings = _gunicorn_settings(
        monkeypatch, GUNICORN_BIND="0.0.0.0:9000", GUNICORN_WORKERS="3", FORWARDED_ALLOW_IPS="10.0.0.2"
    )

    assert settings["bind"] == ["0.0.0.0:9000"]
    assert settings["workers"] == 3
    assert settings["forwarded_allow_ips"] == "10.0.0.2"


def test_gunicorn_config_rejects_a_non_positive_worker_count(monkeypatch):
    with pytest.raises(ValueError, match="GUNICORN_WORKERS"):
        _gunicorn_settings(monkeypatch, GUNICORN_WORKERS="0")


def test_deploy_scripts_are_executable_strict_bash_that_execs():
    for name in SCRIPTS:
        path = DEPLOY / name
        text = path.read_text(encoding="utf-8")

        assert text.startswith("#!/usr/bin/env bash\n"), name
        assert "set -euo pipefail" in text, name
        assert re.search(r"^exec ", text, re.MULTILINE), name
        assert os.access(path, os.X_OK), name
        result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, (name, result.stderr)


def test_worker_script_consumes_every_queue_fairly_and_recycles_children():
    text = (DEPLOY / "worker.sh").read_text(encoding="utf-8")

    assert "exec celery -A hub worker" in text
    queues = re.search(r"CELERY_QUEUES:-([a-z,]+)", text).group(1)
    assert set(queues.split(",")) == QUEUES
    assert "-O fair" in text
    assert re.search(r"--concurrency \"\$\{CELERY_CONCURRENCY:-", text)
    assert "--max-tasks-per-child" in text


def test_beat_script_runs_the_default_scheduler_with_a_persistent_schedule_file():
    text = (DEPLOY / "beat.sh").read_text(encoding="utf-8")

    assert "exec celery -A hub beat" in text
    assert "--schedule" in text and "/var/lib/hub/" in text
    assert "--scheduler" not in text


def test_web_script_serves_gunicorn_with_the_config_and_never_migrates():
    text = (DEPLOY / "web.sh").read_text(encoding="utf-8")
    commands = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]

    assert "exec gunicorn --config deploy/gunicorn.conf.py hub.wsgi:application" in commands
    assert not any("migrate" in line for line in commands)


def test_migrate_script_migrates_then_collects_static_files():
    text = (DEPLOY / "migrate.sh").read_text(encoding="utf-8")

    migrate = text.index("manage.py migrate --noinput")
    collect = text.index("manage.py collectstatic --noinput")
    assert migrate < collect


def test_nginx_config_has_balanced_braces_and_a_server_block():
    text = _nginx_text_without_comments()
    unquoted = re.sub(r"\"[^\"]*\"|'[^']*'", "", text)

    depth = 0
    for char in unquoted:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    assert re.search(r"^\s*server\s*\{", text, re.MULTILINE)
    assert re.search(r"^\s*upstream\s+hub_web\s*\{", text, re.MULTILINE)


def test_nginx_config_proxies_with_forwarded_and_request_id_headers():
    text = _nginx_text_without_comments()

    assert re.search(r"proxy_pass\s+http://hub_web;", text)
    for header, value in {
        "Host": "$host",
        "X-Forwarded-For": "$proxy_add_x_forwarded_for",
        "X-Forwarded-Proto": "$scheme",
        "X-Request-ID": "$request_id",
    }.items():
        assert re.search(rf"proxy_set_header\s+{re.escape(header)}\s+{re.escape(value)};", text), header


def test_the_hub_believes_forwarded_addresses_from_nginx_only_in_both_layouts():
    import ipaddress

    import yaml

    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    nginx = ipaddress.ip_address("127.0.0.1")  # systemd: the same host; compose: the web container's network
    layouts = {
        "hub.env.example": _env_example()["HUB_TRUSTED_PROXIES"],
        "compose.yaml": compose["services"]["web"]["environment"]["HUB_TRUSTED_PROXIES"],
    }

    for layout, value in layouts.items():
        networks = trusted_proxies_parse(value.split(","))
        assert any(nginx in network for network in networks), layout
        assert all(network.num_addresses == 1 for network in networks), f"{layout} trusts more than nginx"


def test_nginx_config_accepts_50_mb_uploads_serves_static_files_and_sends_security_headers():
    text = _nginx_text_without_comments()

    assert re.search(r"client_max_body_size\s+60m;", text)
    assert re.search(r"location\s+/static/\s*\{[^}]*alias\s+/opt/hub/staticfiles/;", text)
    for header in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert re.search(rf"add_header\s+{header}\s", text), header
    assert re.search(r"^\s*gzip\s+on;", text, re.MULTILINE)


def _self_signed_certificate(directory):
    """A throw-away certificate and key where the config expects TLS material."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hub.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "hub.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "hub.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def test_nginx_serves_https_with_hsts_and_port_80_only_redirects():
    text = _nginx_text_without_comments()
    servers = re.split(r"^server\s*\{", text, flags=re.MULTILINE)[1:]
    plain = next(server for server in servers if re.search(r"listen\s+80;", server))
    tls = next(server for server in servers if re.search(r"listen\s+443\s+ssl\b", server))

    assert re.search(r"return\s+301\s+https://\$host\$request_uri;", plain)
    assert "proxy_pass" not in plain
    assert re.search(r'add_header\s+Strict-Transport-Security\s+"max-age=\d+; includeSubDomains"\s+always;', tls)
    assert re.search(r"ssl_protocols\s+TLSv1\.2\s+TLSv1\.3;", tls)
    assert "proxy_pass http://hub_web;" in tls


def test_nginx_config_passes_nginx_syntax_check(tmp_path):
    require_service("nginx", shutil.which("nginx") is not None, "the test command installs it with apt-get")
    conf = (DEPLOY / "nginx" / "hub.conf").read_text(encoding="utf-8")
    _self_signed_certificate(tmp_path)
    conf = conf.replace("/etc/nginx/tls/", f"{tmp_path}/")
    (tmp_path / "hub.conf").write_text(conf.replace("/var/log/nginx/", f"{tmp_path}/"), encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log {tmp_path}/access.log;\n  include {tmp_path}/hub.conf;\n}}\n",
        encoding="utf-8",
    )

    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr


def test_dockerfile_builds_a_non_root_python_311_image_with_a_healthcheck():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    instructions = [
        line.split()[0] for line in text.splitlines() if line and not line[0].isspace() and not line.startswith("#")
    ]

    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    user = re.search(r"^USER (\S+)$", text, re.MULTILINE).group(1)
    assert user.split(":")[0] not in ("root", "0")
    assert instructions.index("USER") > instructions.index("RUN")
    assert re.search(r"^EXPOSE 8000$", text, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*(\n\s+.*)*/healthz", text, re.MULTILINE)
    assert re.search(r'^CMD \["/app/deploy/web\.sh"\]$', text, re.MULTILINE)
    assert re.search(r"^RUN pip install \.", text, re.MULTILINE)


def test_dockerfile_collects_static_files_with_random_build_only_keys():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    run = re.search(r"^RUN ((?:.*\\\n)*.*collectstatic --noinput.*)$", text, re.MULTILINE).group(1)

    for secret in SECRET_VARIABLES:
        assert re.search(rf'{secret}="[^"]*\$\(python -c ', run), secret
        # Set for that one command only: never an ENV or ARG that would stay in the image.
        assert not re.search(rf"^(ENV|ARG)\b[^\n]*\b{secret}\b", text, re.MULTILINE), secret
    assert "os.urandom" in run and "secrets.token_urlsafe" in run


def test_docker_build_context_leaves_out_local_keys_and_the_virtualenv():
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()

    assert {"var", ".venv", ".git", ".env"} <= set(ignored)


def test_env_example_documents_every_setting_with_placeholders_only():
    values = _env_example()
    text = (DEPLOY / "hub.env.example").read_text(encoding="utf-8")

    assert set(SETTINGS_VARIABLES) <= set(values)
    for name in SETTINGS_VARIABLES:
        assert re.search(rf"^#[^\n]*\n{name}=", text, re.MULTILINE), f"{name} has no comment above it"
    for secret in (*SECRET_VARIABLES, "POSTGRES_PASSWORD"):
        assert "change-me" in values[secret], secret
    assert "change-me" in values["DATABASE_URL"]
    assert values["HUB_CIPHER"] in ("aes-256-gcm", "sm4-gcm")
    assert values["DEBUG"] == "false"


def test_every_variable_compose_requires_is_in_the_env_example():
    compose_text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z_]+):\?", compose_text))

    assert required <= set(_env_example())


def test_local_compose_env_file_is_kept_out_of_git():
    assert ".env" in (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()


def test_deploy_readme_names_every_piece_and_how_to_start_it():
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")

    assert re.search(r"^\|.*\|\s*$\n^\|[-| :]+\|\s*$", text, re.MULTILINE), "no table"
    for needle in (*SCRIPTS, *UNITS, "compose.yaml", "hub.conf", "hub.env.example", "/healthz", "/readyz"):
        assert needle in text, needle


def test_the_documented_production_settings_pass_the_deployment_checks():
    """`manage.py check --deploy` with deploy/hub.env.example (its placeholders replaced by
    real keys): no warning, so HSTS, the HTTPS redirect behind the proxy and the secure
    cookies are all on."""
    import sys

    values = production_env()

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=values,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
