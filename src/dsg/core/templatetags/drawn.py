"""Parts of a page drawn once and kept, what varies per request drawn fresh into them (#14).

Every page of the portal draws ``base.html``: its head, the header with the menu, the language
switch and the person's menu, and the footer — some sixty tags and variables (a dozen
``{% url %}``, fifteen ``{% translate %}``, the static files' URLs), nearly all the same for
everyone who speaks the same language: ~4 ms of every page on a loaded machine.

``{% drawn_once key… %}…{% enddrawn_once %}`` draws its content the first time for each value of
its keys, the language, the URLs' prefix and the autoescape — with a mark where each
``{% fresh %}…{% endfresh %}`` is — and keeps the text between the marks; later requests draw the
``fresh`` parts only (the person's name, the unread count, the CSRF token, the page's path) and
put them in their places. The rules that make it correct, held by ``tests/core/test_drawn.py``:

- everything outside ``fresh`` must depend on the keys alone (and the language, the URLs' prefix
  and the settings: a change of settings forgets what was kept);
- a ``fresh`` part reads the context as it is at ``drawn_once`` (it may not sit inside a
  ``{% for %}`` or ``{% with %}``, which change it: drawing refuses), once at most;
- nothing inside sets a variable for what follows (``{% … as name %}`` is set while drawing only).
"""

from __future__ import annotations

import re
import threading
import weakref
from typing import Any, cast

from django import template
from django.core.signals import setting_changed
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

_MARK = "\x00dsg-fresh:{}\x00"
_MARKS = re.compile("\x00dsg-fresh:([0-9]+)\x00")
_DRAWING = "_dsg_drawing"  # in the context while a region is drawn: the depth fresh parts read at

_REGIONS: weakref.WeakSet[DrawnOnceNode] = weakref.WeakSet()
_LOCK = threading.Lock()


class FreshNode(Node):
    """A part drawn on each request; while its region is drawn, only its mark."""

    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList, index: int) -> None:
        self.nodelist = nodelist
        self.index = index

    def render(self, context: template.Context) -> SafeString:
        depth = context.get(_DRAWING)
        if depth is None:  # outside a region being drawn (a region's later requests call draw)
            return self.draw(context)
        if len(context.dicts) != depth:
            raise template.TemplateSyntaxError(
                "{% fresh %} inside a tag that changes the context ({% for %}, {% with %}…): "
                "it would be drawn with another context than its region's"
            )
        return mark_safe(_MARK.format(self.index))  # noqa: S308 - a mark, replaced before output

    def draw(self, context: template.Context) -> SafeString:
        return self.nodelist.render(context)


class DrawnOnceNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList, keys: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.keys = keys
        found = cast(list[FreshNode], nodelist.get_nodes_by_type(FreshNode))
        self.fresh: dict[int, FreshNode] = {node.index: node for node in found}
        self.kept: dict[Any, list[str | FreshNode]] = {}
        with _LOCK:
            _REGIONS.add(self)

    def _key(self, context: template.Context) -> Any:
        request = context.get("request")
        match = getattr(request, "resolver_match", None)
        app = getattr(request, "current_app", None) or getattr(match, "namespace", None)
        keys = tuple(key.resolve(context) for key in self.keys)
        return (get_language(), get_script_prefix(), app, context.autoescape, keys)

    def render(self, context: template.Context) -> SafeString:
        key = self._key(context)
        try:
            parts = self.kept.get(key)
        except TypeError:  # a key that cannot be kept (unhashable): drawn as it is, each time
            return self.nodelist.render(context)
        if parts is None:
            parts = self._draw(context)
            self.kept[key] = parts
        return mark_safe(  # noqa: S308 - the template's own output, and its fresh parts'
            "".join(part if isinstance(part, str) else part.draw(context) for part in parts)
        )

    def _draw(self, context: template.Context) -> list[str | FreshNode]:
        with context.push({_DRAWING: len(context.dicts) + 1}):
            drawn = str(self.nodelist.render(context))
        pieces = _MARKS.split(drawn)  # text, index, text, index, …, text
        parts: list[str | FreshNode] = []
        seen: set[int] = set()
        for position, piece in enumerate(pieces):
            if position % 2 == 0:
                if piece:
                    parts.append(piece)
                continue
            index = int(piece)
            if index in seen:
                raise template.TemplateSyntaxError("a {% fresh %} part was drawn twice")
            seen.add(index)
            parts.append(self.fresh[index])
        return parts


@register.tag("drawn_once")
def drawn_once(parser: Parser, token: Token) -> DrawnOnceNode:
    """``{% drawn_once key… %}…{% enddrawn_once %}``: the content kept per value of the keys."""
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("enddrawn_once",))
    parser.delete_first_token()
    return DrawnOnceNode(nodelist, keys)


_FRESH_COUNT = [0]


@register.tag("fresh")
def fresh(parser: Parser, token: Token) -> FreshNode:
    """``{% fresh %}…{% endfresh %}``: inside ``drawn_once``, a part drawn on each request."""
    nodelist = parser.parse(("endfresh",))
    parser.delete_first_token()
    with _LOCK:
        _FRESH_COUNT[0] += 1
        index = _FRESH_COUNT[0]
    return FreshNode(nodelist, index)


def forget_drawn(**_kwargs: Any) -> None:
    """Forget every kept region (a setting changed: the static files' URLs, the languages…)."""
    with _LOCK:
        regions = list(_REGIONS)
    for region in regions:
        region.kept.clear()


setting_changed.connect(forget_drawn, dispatch_uid="dsg.core.templatetags.drawn")
