"""Benchmarks of the governance core, printed as a table and saved as JSON in bench/results/.

    .venv/bin/python bench/run.py [--villages-per-township 20] [--townships-per-county 17]

Builds a synthetic city (6 counties; by default about 100 townships and 2,000 villages) in a
scratch database (PostgreSQL ``rongzhi_bench`` when PostgreSQL answers on localhost, else a
SQLite file in var/), then times the reads every page depends on: all villages under a township
or a county (one prefix query on the materialised path), a user's jurisdiction, the regions API
and the home page of a township official, with their SQL query counts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import percentiles, recreate_and_migrate, use_scratch_database  # noqa: E402


def timed(fn, repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counties", type=int, default=6)
    parser.add_argument("--townships-per-county", type=int, default=17)
    parser.add_argument("--villages-per-township", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    use_scratch_database("rongzhi_bench")

    import django

    django.setup()
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    recreate_and_migrate()

    from governance.models import Agency, Membership, Region
    from governance.selectors import jurisdiction_for, regions_under, regions_visible_to
    from governance.services.people import agency_create, membership_create, person_create
    from governance.services.regions import region_create

    L = Region.Level
    started = time.perf_counter()
    province = region_create(actor=None, code="330000", name="浙江省", level=L.PROVINCE)
    city = region_create(actor=None, code="330800", name="衢州市", level=L.CITY, parent=province)
    villages = []
    first_township = first_county = None
    for ci in range(args.counties):
        county = region_create(
            actor=None, code=f"3308{ci + 1:02d}", name=f"县{ci + 1}", level=L.COUNTY, parent=city
        )
        first_county = first_county or county
        townships = [
            Region(code=f"{county.code}{ti + 1:03d}000", name=f"乡镇{ci + 1}-{ti + 1}", level=L.TOWNSHIP,
                   parent=county, path=f"{county.path}{county.code}{ti + 1:03d}000/")
            for ti in range(args.townships_per_county)
        ]  # fmt: skip
        Region.objects.bulk_create(townships)
        for t in Region.objects.filter(parent=county):
            first_township = first_township or t
            for vi in range(args.villages_per_township):
                code = f"{t.code[:9]}{vi + 1:03d}"
                villages.append(
                    Region(code=code, name=f"村{code[-6:]}", level=L.VILLAGE, parent=t, path=f"{t.path}{code}/",
                           population=1500, households=560)
                )  # fmt: skip
    Region.objects.bulk_create(villages, batch_size=2000)
    build_s = time.perf_counter() - started
    assert first_township is not None and first_county is not None

    gov = agency_create(
        actor=None, name="乡镇政府", kind=Agency.Kind.TOWNSHIP_GOVERNMENT, region=first_township
    )
    official = person_create(
        actor=None, username="bench_official", real_name="测试", password="bench-password-1"
    )
    from django.db import transaction

    with transaction.atomic():
        membership_create(actor=None, user=official, agency=gov, role=Membership.Role.TOWNSHIP_OFFICIAL)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def fresh_user():
        return type(official).objects.get(pk=official.pk)

    results: dict[str, dict[str, float]] = {}
    results["villages under a township"] = timed(
        lambda: list(regions_under(first_township, level=L.VILLAGE).values_list("code", flat=True)),
        args.repeat,
    )
    results["villages under a county"] = timed(
        lambda: list(regions_under(first_county, level=L.VILLAGE).values_list("code", flat=True)), args.repeat
    )
    results["jurisdiction of a township official (cold)"] = timed(
        lambda: jurisdiction_for(fresh_user()), args.repeat
    )
    results["visible regions of a township official"] = timed(
        lambda: list(regions_visible_to(fresh_user()).values_list("code", flat=True)), args.repeat
    )
    client = Client()
    client.force_login(official)
    api = "/api/v1/regions/?under=" + first_township.code + "&level=5"
    results["GET /api/v1/regions/?under=<township>"] = timed(
        lambda: client.get(api), max(20, args.repeat // 4)
    )
    results["GET / (township official home)"] = timed(lambda: client.get("/"), max(20, args.repeat // 4))
    for label, path in (
        ("GET /api/v1/regions/?under=<township>", api),
        ("GET / (township official home)", "/"),
    ):
        with CaptureQueriesContext(connections["default"]) as queries:
            assert client.get(path).status_code == 200
        results[label]["queries"] = len(queries)

    total_villages = Region.objects.filter(level=L.VILLAGE).count()
    print(f"\nDatabase: {connection.vendor}; {total_villages} villages; built in {build_s:.1f}s\n")
    print(f"{'measure':48} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}")
    for label, figures in results.items():
        print(
            f"{label:48} {figures['p50_ms']:>9.2f} {figures['p95_ms']:>9.2f} {figures.get('queries', ''):>8}"
        )
    out = ROOT / "bench" / "results" / f"governance-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"database": connection.vendor, "villages": total_villages, "results": results}, indent=2)
    )
    print(f"\nSaved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
