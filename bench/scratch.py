"""What every benchmark needs: a scratch database, made fresh and migrated, and percentiles."""

from __future__ import annotations

import os
import socket
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def use_scratch_database(name: str) -> None:
    """PostgreSQL database ``name`` when PostgreSQL answers on localhost, else a SQLite file in
    var/<name>/. Call before django.setup()."""
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{name}")
    except OSError:
        os.environ.setdefault("RONGZHI_VAR_DIR", str(ROOT / "var" / name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings.local")


def recreate_and_migrate() -> None:
    """Drop and recreate the scratch database, then migrate it. Call after django.setup()."""
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
        ) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}"')
            c.execute(f'CREATE DATABASE "{db["NAME"]}"')
    else:
        Path(db["NAME"]).unlink(missing_ok=True)
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    samples = sorted(samples_ms)
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 3),
        "n": len(samples),
    }


def quantiles(samples_ms: list[float]) -> dict[str, float]:
    """The median, p95 and p99 (nearest rank) of a non-empty list of milliseconds, rounded to 0.01."""
    s = sorted(samples_ms)

    def at(q: float) -> float:
        return round(s[min(len(s) - 1, max(0, round(q * len(s)) - 1))], 2)

    return {"p50_ms": round(statistics.median(s), 2), "p95_ms": at(0.95), "p99_ms": at(0.99), "n": len(s)}
