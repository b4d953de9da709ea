"""The deployment files: the compose file and the systemd units."""

from __future__ import annotations

import os

from tests.deploy.helpers import (
    DEPLOY,
    IMAGE_DIR,
    INSTALL_DIR,
    SECRET_VARIABLES,
    SETTINGS_VARIABLES,
    UNITS,
    _compose,
    _nginx_text_without_comments,
    _script_in_checkout,
    _unit,
)


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
