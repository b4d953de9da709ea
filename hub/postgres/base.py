"""Django's PostgreSQL backend, with every pooled connection checked before use.

PostgreSQL drops connections on a restart, a failover or an administrator's
``pg_terminate_backend``; the pool does not notice until a query fails on one. Django's
``CONN_HEALTH_CHECKS`` would make psycopg_pool check each connection it hands out, but the pool
then finds the dead ones one at a time with a growing back-off (1, 2, 4, 8 s) between them, so
with many connections cut at once a request waits out the pool's timeout. Here a connection is
checked when a request takes it, and the first dead one found sends the whole pool through the
same check (``ConnectionPool.check``: dead connections are replaced, live ones kept) before
another is taken, so the next connection handed out is a live one without any waiting.
"""

from __future__ import annotations

import logging

from django.db.backends.postgresql import base
from psycopg import Error as PsycopgError

logger = logging.getLogger(__name__)

# Each round sweeps the whole pool, so a second dead connection would mean PostgreSQL cut
# connections again meanwhile; past a few rounds the database is down and the error says so.
SWEEPS_BEFORE_GIVING_UP = 3


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if not self.pool:
            return connection
        for sweep in range(SWEEPS_BEFORE_GIVING_UP + 1):
            try:
                self.pool.check_connection(connection)
                return connection
            except PsycopgError:
                if sweep == SWEEPS_BEFORE_GIVING_UP:
                    raise
                logger.warning("a pooled database connection was dead; checking the whole pool")
                # A broken connection given back is closed and replaced by the pool.
                self.pool.putconn(connection)
                self.pool.check()
                connection = super().get_new_connection(conn_params)
        return connection
