"""A month written wrong (``?month=2026-13``) is refused with the reason, on the API and the
pages, never answered with another month's figures; no month asked is the latest scored one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.peace_index.test_pages import frozen, get, pw  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "26-11", "latest"])
def test_a_month_written_wrong_is_refused_on_the_api_with_the_field(client, pw, month):  # noqa: F811
    for name, region in (
        ("peace-township-ranking", pw.c.township_a),
        ("peace-village-portrait", pw.c.village_a1),
    ):
        r = get(client, pw.w.township_official, reverse(name, args=[region.pk]) + f"?month={month}")
        assert r.status_code == 400, r.content
        assert r.json()["error"]["fields"]["month"] == ["Write the month as YYYY-MM, for example 2026-10."]


def test_a_month_written_wrong_is_refused_on_the_pages(client, pw):  # noqa: F811
    for name, region in (("peace:township", pw.c.township_a), ("peace:village", pw.c.village_a1)):
        r = get(client, pw.w.township_official, reverse(name, args=[region.pk]) + "?month=2026-13")
        assert r.status_code == 400
        # A page that says why, in the site's frame, not a bare "Bad Request".
        body = r.content.decode()
        assert 'data-testid="refusal"' in body and "Write the month as YYYY-MM" in body


def test_no_month_asked_is_the_latest_scored_month(client, pw):  # noqa: F811
    r = get(client, pw.w.township_official, reverse("peace-township-ranking", args=[pw.c.township_a.pk]))
    assert r.status_code == 200
    assert r.json()["month"] == "2026-11"
