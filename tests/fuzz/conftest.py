"""The fuzzing runs against a real server on the fault suite's own stack (its PostgreSQL cluster,
Redis and gunicorn), so that it never writes into a database other tests share."""

from tests.faults.conftest import postgres_cluster, redis_server, stack  # noqa: F401
