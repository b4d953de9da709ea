"""Gunicorn settings for the hub's web process (``gunicorn -c deploy/gunicorn.conf.py``).

Every value can be overridden from the environment, so one file serves systemd, containers
and a developer's laptop. Gunicorn runs behind nginx (deploy/nginx/hub.conf), which buffers
request bodies (whitelist uploads up to 50 MB) and slow clients, so sync workers suffice.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return number


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return multiprocessing.cpu_count()


wsgi_app = "hub.wsgi:application"

# Loopback by default: nginx on the same host (or in the same network namespace) is the only
# client. Containers that publish the port set GUNICORN_BIND=0.0.0.0:8000.
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = _int("GUNICORN_WORKERS", 2 * _cores() + 1)
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is a bug (slow work belongs in Celery tasks); nginx's
# proxy_read_timeout is set a little above it.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The heartbeat file lives in memory: a disk-backed /tmp can stall workers under I/O load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Trust X-Forwarded-* only from nginx. "*" is acceptable only where the web port is reachable
# from the proxy alone.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Logs go to stdout/stderr: journald or the container runtime collects them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" request_id=%({x-request-id}i)s'
capture_output = True

# Do not load the application in the master: each worker imports it, so `kill -HUP` reloads
# code and no database connection is ever shared across a fork.
preload_app = False
proc_name = "hub-web"

# gunicorn >= 25.1 opens a control socket for `gunicornc` under $HOME by default; the home
# directory is read-only under systemd and in the container, so it stays off unless
# GUNICORN_CONTROL_SOCKET names a writable path (older gunicorn ignores both names).
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket
