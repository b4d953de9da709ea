"""The production files under deploy/ parse and agree with each other.

No database, no Django: each file is read the way its tool reads it (YAML, systemd's INI
dialect, gunicorn's Python config, bash, nginx) and checked for the pieces operators rely on.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SCRIPTS = ("web.sh", "worker.sh", "beat.sh", "migrate.sh")
UNITS = {"hub-web.service": "web.sh", "hub-worker.service": "worker.sh", "hub-beat.service": "beat.sh"}
QUEUES = {"connectors", "imports", "default"}
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "HUB_CIPHER",
    "HUB_ENCRYPTION_KEYS",
    "HUB_BLIND_INDEX_KEY",
    "HUB_SIGNING_KEYS",
    "HUB_PUBLIC_URL",
    "LOG_LEVEL",
)
SECRET_VARIABLES = ("SECRET_KEY", "HUB_ENCRYPTION_KEYS", "HUB_BLIND_INDEX_KEY", "HUB_SIGNING_KEYS")
# Where a systemd installation keeps the checkout (WorkingDirectory of every unit).
INSTALL_DIR = "/opt/hub"
# Where the image keeps it (WORKDIR in the Dockerfile).
IMAGE_DIR = "/app"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8"))
    return parser


def _gunicorn_settings(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = DEPLOY / "gunicorn.conf.py"
    namespace: dict = {"__file__": str(path), "__name__": "gunicorn_conf"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def _nginx_text_without_comments() -> str:
    lines = []
    for line in (DEPLOY / "nginx" / "hub.conf").read_text(encoding="utf-8").splitlines():
        lines.append(re.sub(r"(^|\s)#.*$", "", line))
    return "\n".join(lines)


def _env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "hub.env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def _script_in_checkout(path: str, prefix: str) -> Path:
    assert path.startswith(prefix + "/"), f"{path} is not inside {prefix}"
    return ROOT / path[len(prefix) + 1 :]


# --- compose -------------------------------------------------------------------------------


def test_compose_file_defines_every_runtime_piece():
    services = _compose()["services"]

    assert {"postgres", "redis", "migrate", "web", "worker", "beat", "nginx"} <= set(services)
    assert str(services["postgres"]["image"]).startswith("postgres:16")
    assert str(services["redis"]["image"]).startswith("redis:7")
    assert str(services["nginx"]["image"]).startswith("nginx:")


def test_compose_hub_services_run_the_deploy_scripts_from_one_image():
    services = _compose()["services"]

    for service, script in {"migrate": "migrate.sh", "web": "web.sh", "worker": "worker.sh", "beat": "beat.sh"}.items():
        command = services[service]["command"]
        assert command == [f"{IMAGE_DIR}/deploy/{script}"], service
        assert _script_in_checkout(command[0], IMAGE_DIR).is_file()
        assert services[service]["build"]["dockerfile"] == "deploy/Dockerfile"
        # The build context is relative to the compose file, the Dockerfile to the context.
        build = services[service]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    images = {services[name]["image"] for name in ("migrate", "web", "worker", "beat")}
    assert len(images) == 1


def test_compose_long_running_services_have_healthchecks():
    services = _compose()["services"]

    for name in ("postgres", "redis", "web", "worker", "nginx"):
        check = services[name].get("healthcheck")
        assert check and not check.get("disable"), name
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])


def test_compose_starts_services_only_after_healthy_dependencies_and_finished_migrations():
    services = _compose()["services"]

    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["redis"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_compose_requires_every_secret_from_the_env_file():
    services = _compose()["services"]

    for name in ("migrate", "web", "worker", "beat"):
        environment = services[name]["environment"]
        assert set(SETTINGS_VARIABLES) <= set(environment), name
        for secret in (*SECRET_VARIABLES, "ALLOWED_HOSTS"):
            assert str(environment[secret]).startswith(f"${{{secret}:?"), (name, secret)
        assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://redis:")
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_compose_nginx_serves_the_shared_config_in_front_of_loopback_gunicorn():
    services = _compose()["services"]
    nginx = services["nginx"]
    mounts = [volume.split(":") for volume in nginx["volumes"]]

    assert ["./nginx/hub.conf", "/etc/nginx/conf.d/default.conf", "ro"] in mounts
    assert (DEPLOY / "nginx" / "hub.conf").is_file()
    # nginx shares web's network namespace, so hub.conf's 127.0.0.1 upstream reaches gunicorn.
    assert nginx["network_mode"] == "service:web"
    assert services["web"]["environment"]["GUNICORN_BIND"] == "127.0.0.1:8000"
    assert "server 127.0.0.1:8000" in _nginx_text_without_comments()
    # The collected static files are mounted where hub.conf's /static/ alias points.
    assert ["static", f"{INSTALL_DIR}/staticfiles", "ro"] in mounts
    assert any(volume.startswith(f"static:{IMAGE_DIR}/staticfiles") for volume in services["migrate"]["volumes"])


def test_compose_keeps_beat_state_in_a_volume():
    beat = _compose()["services"]["beat"]

    assert any(volume.endswith(":/var/lib/hub") for volume in beat["volumes"])
    assert "replicas" not in (beat.get("deploy") or {})


# --- systemd -------------------------------------------------------------------------------


def test_systemd_units_have_unit_service_and_install_sections():
    for name in UNITS:
        unit = _unit(name)

        assert {"Unit", "Service", "Install"} <= set(unit.sections()), name
        assert unit["Unit"]["Description"]
        assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_units_start_existing_executable_scripts():
    for name, script in UNITS.items():
        exec_start = _unit(name)["Service"]["ExecStart"].split()[0]

        assert exec_start == f"{INSTALL_DIR}/deploy/{script}", name
        path = _script_in_checkout(exec_start, INSTALL_DIR)
        assert path.is_file() and os.access(path, os.X_OK), path


def test_systemd_units_run_as_the_hub_user_with_the_env_file():
    for name in UNITS:
        service = _unit(name)["Service"]

        assert service["User"] == "hub"
        assert service["EnvironmentFile"] == "/etc/hub/hub.env"
        assert service["WorkingDirectory"] == INSTALL_DIR
        assert service["Restart"] == "on-failure"


def test_systemd_units_are_sandboxed_with_only_the_var_dirs_writable():
    for name in UNITS:
        service = _unit(name)["Service"]

        assert service["NoNewPrivileges"] == "yes"
        assert service["ProtectSystem"] == "strict"
        assert service["PrivateTmp"] == "yes"
        assert set(service["ReadWritePaths"].split()) == {f"{INSTALL_DIR}/var", "/var/lib/hub"}


def test_systemd_web_unit_reloads_gunicorn_gracefully():
    service = _unit("hub-web.service")["Service"]

    assert service["Type"] == "notify"
    assert "HUP" in service["ExecReload"]


# --- gunicorn ------------------------------------------------------------------------------


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


# --- scripts -------------------------------------------------------------------------------


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


# --- nginx ---------------------------------------------------------------------------------


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


def test_nginx_config_accepts_50_mb_uploads_serves_static_files_and_sends_security_headers():
    text = _nginx_text_without_comments()

    assert re.search(r"client_max_body_size\s+60m;", text)
    assert re.search(r"location\s+/static/\s*\{[^}]*alias\s+/opt/hub/staticfiles/;", text)
    for header in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert re.search(rf"add_header\s+{header}\s", text), header
    assert re.search(r"^\s*gzip\s+on;", text, re.MULTILINE)


def test_nginx_config_passes_nginx_syntax_check(tmp_path):
    require_service("nginx", shutil.which("nginx") is not None, "the test command installs it with apt-get")
    conf = (DEPLOY / "nginx" / "hub.conf").read_text(encoding="utf-8")
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


# --- Dockerfile ----------------------------------------------------------------------------


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


# --- environment ---------------------------------------------------------------------------


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


# --- README --------------------------------------------------------------------------------


def test_deploy_readme_names_every_piece_and_how_to_start_it():
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")

    assert re.search(r"^\|.*\|\s*$\n^\|[-| :]+\|\s*$", text, re.MULTILINE), "no table"
    for needle in (*SCRIPTS, *UNITS, "compose.yaml", "hub.conf", "hub.env.example", "/healthz", "/readyz"):
        assert needle in text, needle
