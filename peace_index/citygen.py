"""The peace index's share of the benchmark city (``governance.citygen``): its outside sources
(criminal cases, petitions, surveys) and a published methodology per county. The scores are not
computed (the suite does that)."""

# ruff: noqa: S608 (the SQL is assembled from this module's constants, integers and dates, never from input)
from __future__ import annotations

from django.db import connection

from governance.citygen import City, insert_select
from governance.months import add_months, current_month
from peace_index.models import CriminalCase, DataCoverage, ImportBatch, Petition, SurveyResult
from peace_index.services import version_draft_create, version_publish

# Its place among the apps' parts (governance.contributions): last, beside the others' history.
ORDER = 40


def build_history(city: City) -> None:
    """Surveys, a published methodology per county, and a year of criminal cases and petitions."""
    h = city.h
    month = current_month()
    first = add_months(month, -11)
    root = city.users["city_root"]
    surveys = 0
    batches: dict[str, dict[int, int]] = {"cases": {}, "petitions": {}}
    for county in city.counties:
        batch_of = {
            source: ImportBatch.objects.create(source=source, county=county, file_name="citygen", rows=0)
            for source in ("cases", "petitions", "surveys")
        }
        for source in ("cases", "petitions"):
            batches[source][county.pk] = batch_of[source].pk
        surveys += insert_select(
            connection, SurveyResult, {
                "village_id": "r.id", "county_id": str(county.pk), "month": "m.month", "respondents": "30",
                "feel_safe": f"22 + {h('r.id * 100 + extract(month from m.month)::int', 77, 8)}",
                "batch_id": str(batch_of["surveys"].pk),
            },
            f"governance_region r, (SELECT generate_series('{first.isoformat()}'::date, '{month.isoformat()}'::date,"
            f" interval '3 months')::date AS month) m WHERE r.level = 5 AND r.path LIKE '{county.path}%'",
        )  # fmt: skip
        DataCoverage.objects.bulk_create(
            [DataCoverage(source=s, county=county, month=add_months(first, k), batch=batch_of[s])
             for s in ("cases", "petitions", "surveys") for k in range(12)]
        )  # fmt: skip
        version = version_draft_create(actor=root, county=county, name="citygen")
        version_publish(actor=root, version=version, recompute=False)
    city.step("survey results", surveys)
    city.step("methodology versions", len(city.counties))

    def rows(n: int, salt: int) -> str:
        # Months of the history, following the city's rhythm, in villages by population.
        month_of = f"date_trunc('month', {city.at('g', salt)} AT TIME ZONE 'Asia/Shanghai')::date"
        return (
            f"(SELECT g, {month_of} AS month FROM generate_series(1, {n}) g) x"
            f" JOIN {city.pick('x.g', salt + 1)}"
        )

    def batch(source: str) -> str:
        return "CASE p.county " + " ".join(f"WHEN {c} THEN {b}" for c, b in batches[source].items()) + " END"

    cases = insert_select(
        connection, CriminalCase, {
            "external_ref": "'A' || x.g", "village_id": "p.village", "county_id": "p.county",
            "month": "x.month", "occurred_on": "x.month",
            "severity": f"(ARRAY['minor','minor','ordinary','serious'])[1 + {h('x.g', 72, 4)}]",
            "veto": f"CASE WHEN {h('x.g', 73, 8192)} = 0 THEN 'homicide' ELSE '' END",
            "reported_late": f"{h('x.g', 74, 512)} = 0", "batch_id": batch("cases"),
        }, rows(city.size.cases, 70),
    )  # fmt: skip
    city.step("criminal cases", cases)
    petitions = insert_select(
        connection, Petition, {
            "external_ref": "'X' || x.g", "village_id": "p.village", "county_id": "p.county",
            "month": "x.month", "received_on": "x.month",
            "kind": f"(ARRAY['first','first','first','repeat','skip_level','collective'])[1 + {h('x.g', 75, 6)}]",
            "batch_id": batch("petitions"),
        }, rows(city.size.petitions, 78),
    )  # fmt: skip
    city.step("petitions", petitions)
