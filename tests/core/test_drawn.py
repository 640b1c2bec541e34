"""``{% drawn_once %}`` (core/templatetags/drawn.py, issue #14): base.html's head, header and
footer are drawn once per language and keys and kept; what varies per person or request is drawn
``{% fresh %}`` into them. A page must be byte for byte what drawing everything each time gives —
for every role and the anonymous visitor, in Japanese and English, in trial mode or not, with
unread mail or none, names and paths that need escaping, messages — whoever was drawn first."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.http import HttpResponse
from django.template import Context, TemplateSyntaxError, engines
from django.test import Client, RequestFactory, override_settings
from django.utils import translation

from dsg.core.templatetags import drawn
from dsg.notifications.models import Notification
from dsg.notifications.services import mail_queue

PAGES = ["/sites/", "/notifications/", "/no-such-page/", '/sites/?q=<b>&x="1"\'']
ANONYMOUS = ["/accounts/login/", "/no-such-page/", "/accounts/password/reset/"]
SCRIPT = "<script>alert('x')</script>"


def plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every region drawn whole on each request, as base.html did before the tag."""
    monkeypatch.setattr(drawn.DrawnOnceNode, "render", lambda self, c: self.nodelist.render(c))


def body(client: Client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code in (200, 302, 404), (path, response.status_code)
    # the CSRF token is masked anew on each request
    return re.sub(rb'(csrfmiddlewaretoken" value=)"[^"]*"', rb'\1"-"', response.content)


def messages_cookie() -> str:
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "保存しました。")
    storage.add(constants.WARNING, f"Careful {SCRIPT} & more")
    response = HttpResponse()
    storage.update(response)
    return response.cookies[storage.cookie_name].value


def visitors(everyone) -> dict[str, Client | None]:
    """A client per person (and the anonymous visitor), their names needing escaping, some
    with unread mail."""
    people: dict[str, Client | None] = {"anonymous": None}
    for name, user in everyone.items():
        user.full_name = f"{name} {SCRIPT}" if name != "delegate" else ""  # the e-mail instead
        user.save(update_fields=["full_name"])
        people[name] = user
    for user in (everyone["psa"], everyone["reviewer"]):
        with transaction.atomic():
            mail_queue(
                to=[user.email],
                about="DSG-2026-0001",
                subject="件名",
                lines=["本文"],
                link="/enrollments/1/",
                kind="enrollment.submit",
            )
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    return people


def pages_of(people, language: str, *, with_messages: bool) -> dict[tuple[str, str], bytes]:
    found = {}
    for name, user in people.items():
        client = Client()
        client.cookies["django_language"] = language
        if user is not None:
            client.force_login(user)
        if with_messages:
            client.cookies["messages"] = messages_cookie()
        for path in ANONYMOUS if user is None else PAGES:
            found[name, path] = body(client, path)
            if with_messages:
                client.cookies["messages"] = messages_cookie()
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "trial", "with_messages"), [("ja", False, True), ("en", True, False)]
)
def test_every_page_is_what_drawing_it_whole_gives(
    everyone, monkeypatch, settings, language, trial, with_messages
):
    settings.DSG_TRIAL_MODE = trial
    people = visitors(everyone)
    kept = pages_of(people, language, with_messages=with_messages)
    # drawn first for another person: the last of the list
    kept_again = pages_of(dict(reversed(people.items())), language, with_messages=with_messages)
    with monkeypatch.context() as patched:
        plain(patched)
        whole = pages_of(people, language, with_messages=with_messages)
    assert kept == whole
    assert kept_again == whole
    page = kept["psa", "/sites/"].decode()
    assert SCRIPT not in page.split("<main", 1)[0]
    assert "psa &lt;script&gt;" in page and 'data-unread="1"' in page
    assert ("trial-banner" in page) is trial
    assert ("notice--warning" in page) is with_messages
    assert 'data-unread="' not in kept["inspector", "/sites/"].decode()
    assert everyone["delegate"].email in kept["delegate", "/sites/"].decode()


def region(text: str):
    return engines["django"].from_string("{% load drawn %}" + text)


def test_a_region_is_drawn_once_per_key_and_its_fresh_parts_each_time():
    template = region(
        "{% drawn_once flag %}<p>{% if flag %}on{% else %}off{% endif %} "
        "{% fresh %}{{ name }}{% endfresh %} {{ counter.next }}</p>{% enddrawn_once %}"
    )

    class Counter:
        n = 0

        @property
        def next(self) -> int:
            Counter.n += 1
            return Counter.n

    counter = Counter()
    with translation.override("ja"):
        first = template.render({"flag": True, "name": "<a>", "counter": counter})
        second = template.render({"flag": True, "name": "b", "counter": counter})
        third = template.render({"flag": False, "name": "c", "counter": counter})
    assert first == "<p>on &lt;a&gt; 1</p>"
    assert second == "<p>on b 1</p>"  # kept: the counter was drawn once for this key
    assert third == "<p>off c 2</p>"
    with translation.override("en"):  # another language: drawn again
        assert template.render({"flag": True, "name": "d", "counter": counter}) == "<p>on d 3</p>"


def test_a_fresh_part_inside_a_loop_is_refused():
    template = region(
        "{% drawn_once %}{% for x in xs %}{% fresh %}{{ x }}{% endfresh %}{% endfor %}"
        "{% enddrawn_once %}"
    )
    with pytest.raises(TemplateSyntaxError):
        template.render({"xs": [1, 2]})


def test_an_unhashable_key_draws_the_region_whole():
    template = region("{% drawn_once xs %}{{ xs|length }}{% enddrawn_once %}")
    assert template.render({"xs": [1, 2]}) == "2"
    assert template.render({"xs": [1, 2, 3]}) == "3"


def test_a_setting_changed_forgets_what_was_kept():
    template = region("{% load static %}{% drawn_once %}{% static 'x.css' %}{% enddrawn_once %}")
    with override_settings(STATIC_URL="/one/"):
        assert template.render({}) == "/one/x.css"
    with override_settings(STATIC_URL="/two/"):
        assert template.render({}) == "/two/x.css"


def test_fresh_parts_outside_a_region_are_drawn_as_they_are():
    template = region("{% fresh %}{{ name }}{% endfresh %}")
    assert template.render(Context({"name": "<x>"}).flatten()) == "&lt;x&gt;"
