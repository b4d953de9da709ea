"""Settings come from the environment and fail loudly, naming the variable."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hub.env import env_bool, env_choice, env_int, env_list, load_env_file

ROOT = Path(__file__).resolve().parents[2]


def start_django(*, code: str = "import django; django.setup()", **overrides) -> subprocess.CompletedProcess:
    """Runs ``code`` (by default: Django's start-up) in a process of its own with every key
    set; ``overrides`` change the environment (None removes a variable)."""
    env = {
        "PATH": os.environ["PATH"],
        "HUB_ENV_FILE": "/nonexistent",
        "SECRET_KEY": "x" * 50,
        "HUB_ENCRYPTION_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "HUB_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "HUB_SIGNING_KEYS": "s1:" + base64.b64encode(os.urandom(32)).decode(),
        "HUB_AUDIT_KEYS": "a1:" + base64.b64encode(os.urandom(32)).decode(),
        "DJANGO_SETTINGS_MODULE": "hub.settings",
    }
    env.update({key: value for key, value in overrides.items() if value is not None})
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)


def test_the_hub_starts_with_every_key_set():
    result = start_django()
    assert result.returncode == 0, result.stderr


def test_the_older_single_signing_key_still_starts_the_hub():
    result = start_django(HUB_SIGNING_KEYS=None, HUB_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "value",
    ["s1:" + base64.b64encode(os.urandom(16)).decode(), "no-colon", "s1:abc,s1:abc"],
    ids=["short seed", "no key id", "same key id twice"],
)
def test_a_malformed_signing_key_list_stops_start_up_naming_it(value):
    result = start_django(HUB_SIGNING_KEYS=value)

    assert result.returncode != 0
    assert "HUB_SIGNING_KEYS" in result.stderr


@pytest.mark.parametrize(
    "variable", ["SECRET_KEY", "HUB_ENCRYPTION_KEYS", "HUB_BLIND_INDEX_KEY", "HUB_SIGNING_KEYS", "HUB_AUDIT_KEYS"]
)
def test_a_missing_key_stops_start_up_naming_it(variable):
    result = start_django(**{variable: None})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and variable in result.stderr


@pytest.mark.parametrize(
    "variable, value",
    [
        ("DEBUG", "maybe"),
        ("HUB_ENCRYPTION_KEYS", "k1:tooshort"),
        ("HUB_SIGNING_KEYS", "s1:" + base64.b64encode(b"x" * 10).decode()),
        ("HUB_AUDIT_KEYS", "a1:" + base64.b64encode(b"x" * 31).decode()),
        ("HUB_AUDIT_KEYS", base64.b64encode(os.urandom(32)).decode()),
        ("HUB_CIPHER", "des"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("REDIS_URL", "http://localhost"),
        ("CELERY_TASK_TIME_LIMIT", "abc"),
        ("CELERY_BROKER_VISIBILITY_TIMEOUT", "100"),
        ("HUB_CONNECTOR_ALLOWED_NETWORKS", "10.1.2.3/8"),
        ("HUB_CONNECTOR_ALLOWED_NETWORKS", "intranet"),
        ("HUB_OUTBOUND_ALLOWED_NETWORKS", "intranet"),
        ("HUB_WEBHOOK_TIMEOUT_SECONDS", "0"),
        ("HUB_WEBHOOK_RETRY_HOURS", "soon"),
        ("HUB_WEBHOOK_ROTATION_OVERLAP_HOURS", "-1"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(variable, value):
    result = start_django(**{variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr or (
        variable == "CELERY_BROKER_VISIBILITY_TIMEOUT" and "VISIBILITY_TIMEOUT" in result.stderr
    )


def test_env_readers_name_the_variable(monkeypatch):
    monkeypatch.setenv("X_BOOL", "perhaps")
    monkeypatch.setenv("X_INT", "ten")
    monkeypatch.setenv("X_CHOICE", "c")
    monkeypatch.setenv("X_LIST", "a, b,,c")

    for reader, args in [(env_bool, ()), (env_int, ()), (env_choice, (("a", "b"),))]:
        name = {"env_bool": "X_BOOL", "env_int": "X_INT", "env_choice": "X_CHOICE"}[reader.__name__]
        with pytest.raises(ImproperlyConfigured, match=name):
            reader(name, *args)
    assert env_list("X_LIST") == ["a", "b", "c"]


def test_allowed_networks_are_read_as_cidrs(monkeypatch):
    import ipaddress

    from hub.env import env_networks

    monkeypatch.setenv("X_NETWORKS", "127.0.0.0/8, 10.20.0.0/16,fd00::/8,192.0.2.7")

    assert env_networks("X_NETWORKS") == [
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("fd00::/8"),
        ipaddress.ip_network("192.0.2.7/32"),
    ]


def test_an_env_file_fills_only_what_the_environment_lacks(tmp_path, monkeypatch):
    path = tmp_path / "local.env"
    path.write_text("# comment\nX_FROM_FILE=file\nX_SET=file\n", encoding="utf-8")
    monkeypatch.setenv("X_SET", "environment")
    monkeypatch.delenv("X_FROM_FILE", raising=False)

    load_env_file(path)

    assert os.environ["X_FROM_FILE"] == "file"
    assert os.environ["X_SET"] == "environment"
    monkeypatch.delenv("X_FROM_FILE")


def test_a_malformed_env_file_line_is_named(tmp_path):
    path = tmp_path / "local.env"
    path.write_text("GOOD=1\nnot a setting\n", encoding="utf-8")

    with pytest.raises(ImproperlyConfigured, match="local.env:2"):
        load_env_file(path)


def test_a_pool_minimum_above_its_maximum_stops_start_up():
    result = start_django(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hub", DB_POOL_MIN_SIZE="30", DB_POOL_MAX_SIZE="20"
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DB_POOL_MIN_SIZE" in result.stderr


NATIONAL = {
    "HUB_NATIONAL_URL": "https://national.example.gov.cn/uplink",
    "HUB_NATIONAL_KEY_ID": "henan",
    "HUB_NATIONAL_SECRET": "s3cret",
    "HUB_NATIONAL_REGION_CODE": "410000",
}


def test_the_national_link_starts_when_fully_configured():
    result = start_django(**NATIONAL)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "overrides, named",
    [
        ({"HUB_NATIONAL_SECRET": None}, "HUB_NATIONAL_SECRET"),
        ({"HUB_NATIONAL_KEY_ID": None}, "HUB_NATIONAL_KEY_ID"),
        ({"HUB_NATIONAL_REGION_CODE": "410100"}, "HUB_NATIONAL_REGION_CODE"),
        ({"HUB_NATIONAL_URL": "ftp://national"}, "HUB_NATIONAL_URL"),
        ({"HUB_NATIONAL_BATCH_SIZE": "20000"}, "HUB_NATIONAL_BATCH_SIZE"),
        ({"HUB_NATIONAL_WHITELIST_ENTRIES": "perhaps"}, "HUB_NATIONAL_WHITELIST_ENTRIES"),
    ],
)
def test_a_national_link_half_configured_refuses_to_start_naming_the_variable(overrides, named):
    result = start_django(**{**NATIONAL, **overrides})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr
