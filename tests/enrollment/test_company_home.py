"""A company's home (#14): its site cards and their open items, drawn without an include per
card (``{% todo_list %}``, enrollment/templatetags/company_home.py) — what each card shows is
pinned here: for every kind of open item of every app, its kind, whose it is, its text, the
case's number, the due date, the link only on the person's own items (those their role may
act on: the 利用者 acts on none), for the PSA, the delegate and the 利用者, in Japanese and in
English; the site's name, address and page, each case's page, state and whom it waits on; and
every value escaped (a site named ``<script>`` shows as text)."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from dsg.core.todos import COMPANY, OFFICE, PARTIES, Todo, todos_for
from dsg.enrollment.models import Enrollment
from dsg.enrollment.selectors import enrollment_list_for, waiting_parties_of
from dsg.orgs import permissions
from dsg.orgs.models import Site
from dsg.requests import services as changes
from dsg.requests.models import ActionRequest, ChangeRequest

from ..core.test_todo_rows import scene  # noqa: F401  # the fixture: items of every app
from ..factories import SiteFactory
from ..walk import new_case

# The include the site cards drew each list with before the tag (enrollment/_todo_list.html at
# fdb22c4): the tag must draw what it drew, byte for byte.
INCLUDE = Template(
    "{% load i18n %}{# One list of open items (core.todos): what, for which case, by when, whose,"
    " and the link to the form. items: [{todo, own}] #}\n"
    '<ul class="todo-list">\n'
    "  {% for item in items %}{% with t=item.todo %}\n"
    '  <li class="todo{% if item.own %} todo--own{% endif %}" data-todo="{{ t.code }}"'
    ' data-who="{{ t.who }}">\n'
    '    <span class="todo__what">{% if not item.own %}<span class="badge badge--{{ t.who }}">'
    "{{ t.who_label }}</span> {% endif %}{{ t.what }}{% if t.detail %} — {{ t.detail }}"
    "{% endif %}</span>\n"
    '    <span class="todo__case">{{ t.number }}{% if t.due %} · {% translate "due" %} '
    '<time datetime="{{ t.due|date:\'Y-m-d\' }}">{{ t.due|date:"Y-m-d" }}</time>'
    '{% if t.is_overdue %} <span class="badge badge--late">{% translate "Overdue" %}</span>'
    "{% endif %}{% endif %}</span>\n"
    '    {% if item.own %}<a class="button button--primary todo__go" href="{{ t.url }}">'
    "{{ t.link_text }}</a>{% endif %}\n"
    "  </li>\n"
    "  {% endwith %}{% endfor %}\n"
    "</ul>\n"
)
TAG = Template("{% load company_home %}{% todo_list items %}")
SCRIPT = '<script>alert("x")</script>'


def _todos() -> list[Todo]:
    """An item of each shape: with and without detail, due date (past, today, coming) and
    button, lazy and plain texts, markup and ampersands in every value."""
    from django.utils.translation import gettext_lazy

    today = timezone.localdate()
    shapes = []
    for n, due in enumerate((None, today - dt.timedelta(days=1), today, today + dt.timedelta(9))):
        for detail in ("", f"詳細 {SCRIPT} & more"):
            for button in ("", gettext_lazy("Open the case")):
                for who in (COMPANY, OFFICE, "provider"):
                    shapes.append(
                        Todo(
                            code=f"kind.{n}<b>",
                            case=("enrollment", n),
                            who=who,
                            what=gettext_lazy("Answer") if n % 2 else f"what {SCRIPT}",
                            url=f"/enrollments/{n}/?a=1&b=<2>",
                            action="enrollment.update",
                            due=due,
                            number=f"DSG-2026-0000{n}{SCRIPT}",
                            detail=detail,
                            button=button,
                        )
                    )
    return shapes


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_tag_draws_what_the_include_drew_for_every_shape_of_item(language):
    todos = _todos()
    with translation.override(language):
        for own in (True, False):
            for todo in todos:
                items = [{"todo": todo, "own": own}]
                assert TAG.render(Context({"items": items})) == INCLUDE.render(
                    Context({"items": items})
                ), (own, todo)
        mixed = [{"todo": t, "own": n % 3 == 0} for n, t in enumerate(todos)]
        drawn = TAG.render(Context({"items": mixed}))
        assert drawn == INCLUDE.render(Context({"items": mixed}))
        assert "<script>" not in drawn and "&lt;script&gt;alert(&quot;x&quot;)" in drawn
        assert "&amp;b=&lt;2&gt;" in drawn  # the link's URL escaped as {{ t.url }} was
        assert TAG.render(Context({"items": []})) == INCLUDE.render(Context({"items": []}))


# The site cards' loop before the tag (enrollment/dashboard.html at 88b5b3f), with the list's
# include as INCLUDE above: the loop with {% site_card %} must draw what it drew.
CARDS_BEFORE = Template(
    "{% load i18n case_tracker %}"
    '{% translate "Waiting on" as waiting_on %}{% for row in site_rows %}{% with site=row.site %}\n'
    '      <article class="card site-card" data-site="{{ site.name }}">\n'
    '        <h3><a href="{{ row.url }}">{{ site.name }}</a></h3>\n'
    '        <p class="muted">{{ site.full_address }}</p>\n'
    "        {% if row.items %}\n"
    '          <h4 class="site-card__todo">{% translate "Open items" %}</h4>\n'
    "          {{ row.list }}\n"
    "        {% endif %}\n"
    "        {% for enrollment in row.cases %}\n"
    '          <p class="site-card__case" data-case="{{ enrollment.number }}">'
    '<a href="{{ enrollment.url }}">{{ enrollment.number }}</a> — '
    "<strong>{{ enrollment.get_state_display }}</strong>\n"
    "            {% for party, label in enrollment.waiting_parties %}"
    '<span class="badge badge--{{ party }}" data-waiting="{{ party }}">{{ waiting_on }}: '
    "{{ label }}</span> {% endfor %}</p>\n"
    "          {% case_tracker enrollment %}\n"
    "        {% empty %}\n"
    '          <p class="muted">{% translate "No enrollment case yet." %} <a href="{{ row.url }}">'
    '{% translate "Open one from the site\'s page." %}</a></p>\n'
    "        {% endfor %}\n"
    "      </article>\n"
    "    {% endwith %}\n"
    "    {% empty %}<p>none</p>{% endfor %}"
)
CARDS = Template(
    "{% load company_home %}{% for row in site_rows %}{% site_card row %}\n"
    "    {% empty %}<p>none</p>{% endfor %}"
)


def _rows() -> list[dict[str, object]]:
    """Site cards of each shape: with and without items, with no case, one or two (an ended
    one), waiting on no one, one or two parties, markup in every value shown."""
    when = timezone.make_aware(dt.datetime(2026, 4, 1, 9))
    rows = []
    todos = _todos()
    for n, state in enumerate(["draft", "survey", "completed", "withdrawn", "inspection"]):
        site = Site(
            pk=n + 1,
            name=f"第{n}拠点{SCRIPT}",
            postal_code="162-8870",
            prefecture="13",
            address=f"新宿区 {SCRIPT} & 5-1",
        )
        cases = []
        for m in range(n % 3):
            case = Enrollment(pk=10 * n + m + 1, state=state, created_at=when)
            case.url = f"/enrollments/{case.pk}/?x=<{m}>&y"  # type: ignore[attr-defined]
            case.last_step = 3 if state == "withdrawn" else None  # type: ignore[attr-defined]
            case.waiting_parties = [(p, PARTIES[p]) for p in [COMPANY, OFFICE][: n % 3]]  # type: ignore[attr-defined]
            cases.append(case)
        items = [{"todo": t, "own": k % 2 == 0} for k, t in enumerate(todos[n : n + 2 * (n % 2)])]
        rows.append(
            {"site": site, "url": f"/sites/{site.pk}/?a&<b>", "cases": cases, "items": items}
        )
    return rows


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_card_tag_draws_what_the_loop_drew_for_every_shape_of_site(language):
    with translation.override(language):
        rows = _rows()
        for row in rows:
            row["list"] = INCLUDE.render(Context({"items": row["items"]}))
        drawn = CARDS.render(Context({"site_rows": rows}))
        assert drawn == CARDS_BEFORE.render(Context({"site_rows": rows}))
        assert "<script>" not in drawn and drawn.count("&lt;script&gt;") > 10
        assert CARDS.render(Context({"site_rows": []})) == "<p>none</p>"


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _shown(todo: Todo, own: bool) -> dict[str, object]:
    """What the card must show of ``todo``, from the item itself."""
    what = f"{todo.what} — {todo.detail}" if todo.detail else str(todo.what)
    case = todo.number
    if todo.due:
        case += f" · {translation.gettext('due')} {todo.due:%Y-%m-%d}"
        if todo.is_overdue:
            case += f" {translation.gettext('Overdue')}"
    return {
        "code": todo.code,
        "who": todo.who,
        "own": own,
        "what": " ".join((what if own else f"{PARTIES[todo.who]} {what}").split()),
        "case": " ".join(case.split()),
        "due": f"{todo.due:%Y-%m-%d}" if todo.due else None,
        "link": (todo.url, " ".join(str(todo.link_text).split())) if own else None,
    }


def _drawn(li) -> dict[str, object]:
    [what] = li.find_class("todo__what")
    [case] = li.find_class("todo__case")
    links = li.find_class("todo__go")
    times = li.xpath(".//time/@datetime")
    return {
        "code": li.get("data-todo"),
        "who": li.get("data-who"),
        "own": "todo--own" in li.get("class").split(),
        "what": _text(what),
        "case": _text(case),
        "due": times[0] if times else None,
        "link": (links[0].get("href"), _text(links[0])) if links else None,
    }


def _cards(page: bytes) -> dict[str, object]:
    return {
        card.get("data-site"): card for card in lxml.html.fromstring(page).find_class("site-card")
    }


@pytest.fixture
def marked(scene, company, cast):  # noqa: F811
    """The scene, and a site whose name and a change's 依頼 (shown as its item's detail) hold
    markup."""
    site = SiteFactory(company=company, name=f"拠点{SCRIPT}")
    new_case(site, cast, complete=False)
    change = ChangeRequest.objects.get(company=company)  # the scene's change
    asked = changes.action_request_ask(
        change=change, actor=cast.reviewer, text=f"図面{SCRIPT}を", due_on=timezone.localdate()
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)  # a day on: overdue on the card
    ActionRequest.objects.filter(pk=asked.pk).update(due_on=yesterday)
    return site


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_card_shows_every_open_item_of_its_site_as_the_person_may_see_it(
    client, marked, everyone, language
):
    kinds: set[str] = set()
    for who in ("psa", "delegate", "user"):
        person = everyone[who]
        client.force_login(person)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        with translation.override(language):
            page = client.get("/")
            assert page.status_code == 200
            cards = _cards(page.content)
            todos = todos_for(user=person)
            assert todos, who
            sites = {
                site.pk: site for site in permissions.restrict(person, marked.company.sites.all())
            }
            for site_id in {t.site_id for t in todos}:
                mine = [t for t in todos if t.site_id == site_id]
                # the person's own first, else in the order the providers give them
                expected = sorted(
                    (
                        _shown(t, t.who == COMPANY and permissions.may(person, t.action))
                        for t in mine
                    ),
                    key=lambda shown: not shown["own"],
                )
                card = cards[sites[site_id].name]
                assert [_drawn(li) for li in card.find_class("todo")] == expected, (who, site_id)
            kinds |= {t.code for t in todos}
            if who == "user":  # the 利用者 acts on no item: no link, every item under its party
                assert not any(card.find_class("todo__go") for card in cards.values())
                assert not any(card.find_class("todo--own") for card in cards.values())
            if who == "psa":
                assert any(card.find_class("todo__go") for card in cards.values())
    # every app's items were among them
    assert {code.split(".")[0] for code in kinds} >= {
        "application",
        "equipment_request",
        "change",
        "inspection",
        "media",
    }, kinds


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_card_shows_its_site_and_cases_with_their_links_and_waiting_parties(
    client, marked, everyone, language
):
    for who in ("psa", "delegate", "user"):
        person = everyone[who]
        client.force_login(person)
        with translation.override(language):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            page = client.get("/").content
            cards = _cards(page)
            cases: dict[int, list[Enrollment]] = {}
            for case in enrollment_list_for(user=person):
                cases.setdefault(case.site_id, []).append(case)
            todos = todos_for(user=person)
            open_items: dict[tuple[str, int], list[str]] = {}
            for t in todos:
                parties = open_items.setdefault(t.case, [])
                if t.who not in parties:
                    parties.append(t.who)
            sites = list(permissions.restrict(person, marked.company.sites.all()))
            assert set(cards) == {site.name for site in sites}, who
            for site in sites:
                card = cards[site.name]
                [heading] = card.xpath("./h3/a")
                assert (heading.get("href"), heading.text) == (
                    reverse("site_detail", args=[site.pk]),
                    site.name,
                )
                assert card.xpath("./p[@class='muted']")[0].text == site.full_address
                listed = card.find_class("site-card__case")
                mine = cases.get(site.pk, [])
                waiting = waiting_parties_of(
                    cases=[(c.pk, c.state) for c in mine], open_items=open_items
                )
                assert [p.get("data-case") for p in listed] == [c.number for c in mine], who
                for line, case in zip(listed, mine, strict=True):
                    [link] = line.xpath("./a")
                    assert (link.get("href"), link.text) == (
                        reverse("enrollment_detail", args=[case.pk]),
                        case.number,
                    )
                    assert line.xpath("./strong")[0].text == str(case.get_state_display())
                    badges = [(b.get("data-waiting"), _text(b)) for b in line.find_class("badge")]
                    word = translation.gettext("Waiting on")
                    assert badges == [(p, f"{word}: {PARTIES[p]}") for p in waiting[case.pk]]
                assert len(card.find_class("tracker")) == len(mine)
                if not mine:
                    assert card.xpath(".//a/@href")[-1] == reverse("site_detail", args=[site.pk])


@pytest.mark.django_db
def test_markup_in_a_site_s_name_or_an_item_s_detail_is_shown_as_text(client, marked, cast):
    client.force_login(cast.psa)
    page = client.get("/").content.decode()
    assert SCRIPT not in page
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert f'data-site="拠点{escaped}"' in page
    assert f">拠点{escaped}</a></h3>" in page
    assert f"図面{escaped}を" in page  # the 依頼's text, the detail of its item
    assert page.count('<span class="badge badge--late">') == 1  # its date has passed
    card = _cards(page.encode())[marked.name]
    assert card.xpath("./h3/a")[0].text == marked.name
