"""The guard against gaming, for review only: a village whose own reported disputes fall while
110 dispute calls from it rise is flagged on the township ranking, never scored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from peace_index import gaming
from peace_index.compute import scores_compute
from peace_index.gaming import MIN_CALL_RISE, gaming_review
from peace_index.models import VillageScore
from stations.models import Alert
from tests.disputes.factories import registered
from tests.peace_index.factories import NOW, THIS_MONTH, TZ, alert, peace_world

pytestmark = pytest.mark.django_db

# THIS_MONTH is 2026-11: the quarter ending with it is 2026-09..11, the quarter before 2026-06..08.
BEFORE = datetime(2026, 7, 10, 10, 0, tzinfo=TZ)
AFTER = datetime(2026, 10, 10, 10, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pw():
    return peace_world()


def own_disputes(pw, village, *, n: int, at: datetime, channel: str = "visit") -> None:
    """``n`` disputes the village registered itself (a grid or cadre visit by default)."""
    actor = pw.w.officer if village.parent_id == pw.c.township_a.pk else pw.w.officer_b
    for _ in range(n):
        registered(pw.w, actor=actor, now=at, village_code=village.code, channel=channel, notify=False)


def dispute_calls(village, *, n: int, at: datetime) -> None:
    for _ in range(n):
        alert(village, category="dispute", at=at)


def history(pw, village, *, own: tuple[int, int], calls: tuple[int, int]) -> None:
    """Own disputes and 110 dispute calls, (the quarter before, the quarter ending with the month)."""
    own_disputes(pw, village, n=own[0], at=BEFORE)
    own_disputes(pw, village, n=own[1], at=AFTER)
    dispute_calls(village, n=calls[0], at=BEFORE)
    dispute_calls(village, n=calls[1], at=AFTER)


def flags_of(township):
    return {f.village.code: f for f in gaming_review(township, THIS_MONTH).flags}


def test_a_village_whose_own_disputes_fall_while_its_dispute_calls_rise_is_flagged_with_its_counts(pw):
    history(pw, pw.c.village_a1, own=(3, 1), calls=(1, 5))

    flags = flags_of(pw.c.township_a)

    assert list(flags) == [pw.c.village_a1.code]
    f = flags[pw.c.village_a1.code]
    assert (f.own_before, f.own_after, f.calls_before, f.calls_after) == (3, 1, 1, 5)
    assert f.reason == (
        "Disputes the village reported itself fell from 3 to 1 while 110 calls about disputes from it "
        "rose from 1 to 5 (2026-09 to 2026-11 against the 3 months before)."
    )


def test_a_village_with_both_rising_is_not_flagged(pw):
    history(pw, pw.c.village_a1, own=(1, 3), calls=(1, 5))
    history(pw, pw.c.village_a2, own=(2, 2), calls=(0, 6))  # steady reporting: not a fall

    assert flags_of(pw.c.township_a) == {}


def test_a_rise_below_the_thresholds_is_not_flagged(pw):
    # Up by 2 (under the 3 of MIN_CALL_RISE); up by 3 but from 8 (37.5%, under 50%).
    history(pw, pw.c.village_a1, own=(3, 0), calls=(1, 1 + MIN_CALL_RISE - 1))
    history(pw, pw.c.village_a2, own=(3, 0), calls=(8, 11))

    assert flags_of(pw.c.township_a) == {}

    # One call more each and they are at the thresholds: up by 3, and up by 50%.
    dispute_calls(pw.c.village_a1, n=1, at=AFTER)
    dispute_calls(pw.c.village_a2, n=1, at=AFTER)
    flags = flags_of(pw.c.township_a)
    assert [(code, f.calls_before, f.calls_after) for code, f in flags.items()] == [
        (pw.c.village_a1.code, 1, 4),
        (pw.c.village_a2.code, 8, 12),
    ]


def test_only_own_reporting_and_110_dispute_calls_are_compared(pw):
    v = pw.c.village_a1
    own_disputes(pw, v, n=3, at=BEFORE)
    # Cases opened from alerts are the call side, not the village's own reporting.
    own_disputes(pw, v, n=3, at=AFTER, channel="alert")
    dispute_calls(v, n=4, at=AFTER)
    # Neither a 12345 dispute call, a 110 call about something else nor a merged duplicate counts.
    first = Alert.objects.filter(village=v).first()
    Alert.objects.create(
        channel="12345", category="dispute", summary="警情", address="某路1号", village=v, reported_at=AFTER
    )
    alert(v, category="public_order", at=AFTER)
    dup = alert(v, category="dispute", at=AFTER)
    Alert.objects.filter(pk=dup.pk).update(duplicate_of=first)

    f = flags_of(pw.c.township_a)[v.code]

    assert (f.own_before, f.own_after, f.calls_before, f.calls_after) == (3, 0, 0, 4)


def test_the_quarters_are_local_months(pw):
    v = pw.c.village_a1
    own_disputes(pw, v, n=2, at=BEFORE)
    # 2026-09-01 00:30 in Shanghai is still August in UTC: it falls in the later quarter.
    dispute_calls(v, n=3, at=datetime(2026, 8, 31, 16, 30, tzinfo=UTC))
    # 2026-05-31 23:30 and 2026-12-01 00:30 in Shanghai are outside both quarters.
    dispute_calls(v, n=5, at=datetime(2026, 5, 31, 23, 30, tzinfo=TZ))
    dispute_calls(v, n=5, at=datetime(2026, 12, 1, 0, 30, tzinfo=TZ))
    own_disputes(pw, v, n=4, at=datetime(2026, 5, 31, 23, 30, tzinfo=TZ))

    f = flags_of(pw.c.township_a)[v.code]

    assert (f.own_before, f.own_after, f.calls_before, f.calls_after) == (2, 0, 0, 3)


def test_villages_of_another_township_never_appear(pw):
    history(pw, pw.c.village_b1, own=(3, 1), calls=(1, 5))

    assert flags_of(pw.c.township_a) == {}
    assert list(flags_of(pw.c.township_b)) == [pw.c.village_b1.code]


def test_the_guard_reads_in_a_constant_number_of_queries(pw, django_assert_num_queries):
    history(pw, pw.c.village_a1, own=(3, 1), calls=(1, 5))
    history(pw, pw.c.village_a2, own=(3, 1), calls=(1, 5))

    # One aggregate per source and one for the flagged villages' names, however many villages.
    with django_assert_num_queries(3):
        assert len(gaming_review(pw.c.township_a, THIS_MONTH).flags) == 2


def test_the_ranking_page_shows_the_flag_and_its_reason(client, pw):
    history(pw, pw.c.village_a1, own=(3, 1), calls=(1, 5))
    history(pw, pw.c.village_b1, own=(3, 1), calls=(1, 5))
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    client.force_login(pw.w.township_official)

    r = client.get(reverse("peace:township", args=[pw.c.township_a.pk]) + "?month=2026-11")

    assert r.status_code == 200
    body = r.content.decode()
    section = body.split('data-testid="gaming-review"')[1].split("</section>")[0]
    assert section.count('data-testid="gaming-flag"') == 1
    entry = section.split('data-testid="gaming-flag"')[1].split("</li>")[0]
    portrait = reverse("peace:village", args=[pw.c.village_a1.pk]) + "?month=2026-11"
    assert f'data-village="{pw.c.village_a1.code}"' in entry and f'href="{portrait}"' in entry
    assert "fell from 3 to 1 while 110 calls about disputes from it rose from 1 to 5" in entry
    assert pw.c.village_b1.name not in body
    assert "This is never scored: it is only a prompt to look at the village." in section
    # The marker sits on the flagged village's row of the ranking, and on no other.
    rows = body.split('data-testid="ranking"')[1].split("</table>")[0]
    a1 = rows.split(f'data-village="{pw.c.village_a1.code}"')[1].split("</tr>")[0]
    a2 = rows.split(f'data-village="{pw.c.village_a2.code}"')[1].split("</tr>")[0]
    assert 'data-testid="gaming-marker"' in a1 and 'data-testid="gaming-marker"' not in a2


def test_the_page_says_so_when_no_village_is_flagged(client, pw):
    client.force_login(pw.w.township_official)

    r = client.get(reverse("peace:township", args=[pw.c.township_a.pk]) + "?month=2026-11")

    body = r.content.decode()
    assert 'data-testid="gaming-review"' in body and 'data-testid="gaming-flag"' not in body
    assert "No village shows reporting falling while calls rise this month." in body
    assert 'data-testid="gaming-marker"' not in body


def test_the_flag_is_never_scored(client, pw, monkeypatch):
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    fields = ("village_id", "score", "band", "dimensions", "bonus", "penalty", "peer_rank")
    before = sorted(VillageScore.objects.filter(month=THIS_MONTH).values_list(*fields))
    history(pw, pw.c.village_a1, own=(3, 1), calls=(1, 5))
    assert list(flags_of(pw.c.township_a)) == [pw.c.village_a1.code]

    # Scoring never asks the guard ...
    def never(**kwargs):
        raise AssertionError("the gaming guard was consulted while scoring")

    monkeypatch.setattr(gaming, "is_flagged", never)
    scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    monkeypatch.undo()
    # ... the month's scores of the flagged village and its neighbours are what they were ...
    assert sorted(VillageScore.objects.filter(month=THIS_MONTH).values_list(*fields)) == before
    # ... and showing the flag writes nothing.
    computed = sorted(VillageScore.objects.values_list("id", "computed_at"))
    client.force_login(pw.w.township_official)
    r = client.get(reverse("peace:township", args=[pw.c.township_a.pk]) + "?month=2026-11")
    assert r.status_code == 200 and 'data-testid="gaming-flag"' in r.content.decode()
    assert sorted(VillageScore.objects.values_list("id", "computed_at")) == computed
