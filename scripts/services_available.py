"""Exit 0 when PostgreSQL (5432) and Redis (6379) answer on localhost, 1 otherwise."""

import socket
import sys


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


sys.exit(0 if answers(5432) and answers(6379) else 1)
