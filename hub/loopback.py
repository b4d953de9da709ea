"""Serving a standard-library HTTP server from a background thread: how the simulators (the
reference city platform, the electronic business licence provider) run in tests, in
benchmarks and under `make run`."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer


class BackgroundServer:
    """A server on its own thread; ``stop()`` (or leaving the ``with`` block) shuts it down.
    A server with a ``close_connections()`` method has its keep-alive connections cut too,
    so a stopped server looks stopped to its clients."""

    def __init__(self, server: ThreadingHTTPServer, *, name: str):
        self.server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"{name}-{self.port}", daemon=True
        )
        self._stopped = False
        self._thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def serve_in_foreground(self, announce: Callable[[], object] = lambda: None) -> None:
        """Block until Ctrl-C or SIGTERM, then stop: a management command's foreground.
        `docker stop` and systemd send SIGTERM; it shuts down as cleanly as Ctrl-C.
        ``announce`` says the server is ready, once SIGTERM is taken care of: whoever reads
        that line may stop the server at once."""
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        try:
            announce()
            while self._thread.is_alive():
                self._thread.join(timeout=1)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.server.shutdown()
        close_connections = getattr(self.server, "close_connections", None)
        if close_connections is not None:
            close_connections()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt
