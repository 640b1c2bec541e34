"""和暦 and ISO name the same day: a moment is converted to Asia/Tokyo before either is taken.

No clock is frozen here: every moment is an explicit aware datetime in UTC, chosen around
midnight in Tokyo (UTC+9), the end of a year and the change of era (平成 → 令和 on 2019-05-01).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template

from dsg.core.wareki import iso, iso_and_wareki, local_day, wareki, wareki_and_iso_day
from dsg.notices.render import dual_date, notice_context

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# (moment in UTC, its ISO form in Tokyo, its 和暦 in Tokyo)
AROUND_MIDNIGHT = [
    # 15:30Z is 00:30 the next day in Tokyo: the page once printed the UTC day in 和暦.
    (utc(2026, 11, 29, 15, 30), "2026-11-30 00:30", "令和8年11月30日"),
    (utc(2026, 11, 29, 14, 59), "2026-11-29 23:59", "令和8年11月29日"),
    (utc(2026, 11, 29, 15, 0), "2026-11-30 00:00", "令和8年11月30日"),
    # the end of a year
    (utc(2026, 12, 31, 15, 30), "2027-01-01 00:30", "令和9年1月1日"),
    (utc(2026, 12, 31, 14, 30), "2026-12-31 23:30", "令和8年12月31日"),
    # the change of era: 令和 begins at midnight of 2019-05-01 in Tokyo (15:00Z the day before)
    (utc(2019, 4, 30, 14, 59), "2019-04-30 23:59", "平成31年4月30日"),
    (utc(2019, 4, 30, 15, 0), "2019-05-01 00:00", "令和元年5月1日"),
    (utc(2019, 12, 31, 15, 0), "2020-01-01 00:00", "令和2年1月1日"),
    (utc(1989, 1, 7, 15, 0), "1989-01-08 00:00", "平成元年1月8日"),
    (utc(1989, 1, 7, 14, 59), "1989-01-07 23:59", "昭和64年1月7日"),
]


@pytest.mark.parametrize(("moment", "tokyo", "era"), AROUND_MIDNIGHT)
def test_a_moment_is_printed_in_tokyo_in_both_forms(moment, tokyo, era):
    assert iso(moment) == tokyo
    assert wareki(moment) == era
    assert iso_and_wareki(moment) == f"{tokyo} ({era})"
    assert local_day(moment) == dt.date.fromisoformat(tokyo[:10])
    assert wareki_and_iso_day(moment) == f"{era}（{tokyo[:10]}）"


@pytest.mark.parametrize(
    ("day", "era"),
    [
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2020, 1, 1), "令和2年1月1日"),
        (dt.date(2026, 11, 30), "令和8年11月30日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1926, 12, 24), "大正15年12月24日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
        (dt.date(1912, 7, 30), "大正元年7月30日"),
        (dt.date(1912, 7, 29), "明治45年7月29日"),
    ],
)
def test_a_date_stays_the_day_it_is(day, era):
    assert wareki(day) == era
    assert iso(day) == day.isoformat()
    assert iso_and_wareki(day) == f"{day.isoformat()} ({era})"
    assert local_day(day) is day


def test_a_naive_moment_is_taken_as_tokyo_time():
    assert iso_and_wareki(dt.datetime(2026, 11, 30, 0, 30)) == "2026-11-30 00:30 (令和8年11月30日)"


@pytest.mark.parametrize(("moment", "tokyo", "era"), AROUND_MIDNIGHT)
def test_page_filters_name_the_same_day_as_django_date(moment, tokyo, era):
    """``|date`` converts to local time; ``|japanese_era`` and ``|iso_era`` do the same."""
    html = Template(
        "{% load dsg %}{{ m|date:'Y-m-d H:i' }}|{{ m|japanese_era }}|{{ m|iso_era }}"
    ).render(Context({"m": moment}))
    assert html == f"{tokyo}|{era}|{tokyo} ({era})"


def test_page_filters_print_nothing_for_no_value():
    html = Template("{% load dsg %}[{{ m|japanese_era }}][{{ m|iso_era }}]").render(
        Context({"m": None})
    )
    assert html == "[][]"


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (utc(2026, 11, 29, 15, 30), "令和8年11月30日（2026-11-30）"),
        ("2026-11-29T15:30:00+00:00", "令和8年11月30日（2026-11-30）"),  # a snapshot's ISO moment
        ("2026-11-29T15:30:00Z", "令和8年11月30日（2026-11-30）"),
        ("2026-11-29", "令和8年11月29日（2026-11-29）"),  # a snapshot's ISO date
        (dt.date(2019, 5, 1), "令和元年5月1日（2019-05-01）"),
        ("未定", "未定"),
        ("", ""),
        (None, ""),
    ],
)
def test_notices_print_the_day_in_tokyo(value, printed):
    assert dual_date(value) == printed


def test_a_notice_issued_after_midnight_in_tokyo_bears_that_day():
    context = notice_context({}, "R8-0001", utc(2026, 12, 31, 15, 30))
    assert context["issued_on"] == "令和9年1月1日（2027-01-01）"


@pytest.mark.django_db
def test_pages_print_a_submission_after_midnight_in_tokyo_as_that_day(client, site, cast):
    """The page that once printed 「2026-11-30 05:29 (令和8年11月29日)」."""
    from dsg.enrollment.models import ApplicationVersion, State

    from ..walk import new_case, walk_to

    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    version = ApplicationVersion.objects.get(application__enrollment=case)
    ApplicationVersion.objects.filter(pk=version.pk).update(submitted_at=utc(2026, 11, 29, 20, 29))
    client.force_login(cast.reviewer)
    for url in (
        f"/application-versions/{version.pk}/",
        f"/enrollments/{case.pk}/application/versions/",
    ):
        html = client.get(url).content.decode()
        assert "2026-11-30 05:29 (令和8年11月30日)" in html, url
        assert "令和8年11月29日" not in html, url
