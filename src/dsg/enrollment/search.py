"""The case search of the office (and of the provider, over what it sees): one search box over
company name, 法人番号, 拠点名, case number and 到達番号, filters, a whitelisted sort.

The search box is NFKC-normalised on both sides (全角 ＡＢＣ finds abc, ｶﾌﾞｼｷ finds カブシキ):
the query in Python, the columns in SQL (``Nfkc``: PostgreSQL's ``normalize(…, NFKC)``, on SQLite
a function registered on each connection). Each word of the query must be found (partial match)
in one of the fields. Sorting happens in the database on the whitelisted columns only.

"Behind its plan" (``behind_plan_q``): the plan made when the application was first submitted
(``planner.plan`` from that date, the office's durations, the case's planned terminals, no
actual dates) gave the current step an end date, and that date has passed. The plan's end dates
never move earlier as the start moves later, so for each step the cases behind it are those
submitted before one cutoff date: a condition in the query, not a loop over cases.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, ExtractYear, LPad
from django.utils import timezone
from django.utils.translation import gettext as _

from dsg.core.prepared import KeptList, person_key, text_sentinel
from dsg.core.todos import subject_type_ids, waiting_on_q
from dsg.orgs import permissions
from dsg.orgs.japan import PREFECTURES
from dsg.orgs.models import User
from dsg.schedule import planner
from dsg.schedule.selectors import step_durations_current

from .models import STEP_OF_STATE, WAITING_ON, ApplicationVersion, Enrollment, State
from .selectors import enrollment_list_for, states_of_step

QUERY_MAX = 200  # characters of the search box; longer input is cut
# 「次の対応者」: the parties of the case's open items (core.todos), as the homes say it.
WAITING_CHOICES = ("company", "office", "inspector", "provider")
STEP_CHOICES = (1, 2, 3, 4, 5, 6, 7, 8, 0)  # ①–⑦, 8 completed, 0 withdrawn or rejected
# The sort keys a request may name, and the indexed columns they order by (then by pk).
SORTS: dict[str, str] = {
    "number": "pk",
    "company": "site__company__name",
    "site": "site__name",
    "prefecture": "site__prefecture",
    "state": "state",
    "since": "state_changed_at",
    "created": "created_at",
    "receipt": "application__receipt_number",
}
DEFAULT_SORT = "since"


# NFKC in SQL -----------------------------------------------------------------------------------
class Nfkc(Func):
    """A text column in NFKC form (both databases), for matching a normalised query."""

    function = "dsg_nfkc"
    arity = 1
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="normalize(%(expressions)s, NFKC)", **extra
        )


def nfkc(value: str | None) -> str | None:
    return None if value is None else unicodedata.normalize("NFKC", value)


def register_sqlite_nfkc(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Give each new SQLite connection the ``dsg_nfkc`` function (``connection_created``)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("dsg_nfkc", 1, nfkc, deterministic=True)


def case_number_expression() -> Concat:
    """``Enrollment.number`` in SQL: DSG-<year created, UTC>-<id, 5 digits>."""
    return Concat(
        Value("DSG-"),
        Cast(ExtractYear("created_at", tzinfo=dt.UTC), CharField()),
        Value("-"),
        LPad(Cast("pk", CharField()), 5, Value("0")),
        output_field=CharField(),
    )


# The query -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseQuery:
    """What the office asked for, checked: unknown values are dropped and named in ``ignored``."""

    q: str = ""
    step: int | None = None
    state: str = ""
    waiting: str = ""
    overdue: bool = False
    prefecture: str = ""
    sort: str = DEFAULT_SORT
    descending: bool = False
    ignored: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return normalize_query(self.q).split()

    @property
    def ordering(self) -> str:
        return ("-" if self.descending else "") + self.sort

    def params(self, **changes: Any) -> dict[str, str]:
        """The query as URL parameters (for the pager, the sort links and the exports)."""
        values = {
            "q": self.q,
            "step": "" if self.step is None else str(self.step),
            "state": self.state,
            "waiting": self.waiting,
            "overdue": "1" if self.overdue else "",
            "prefecture": self.prefecture,
            "sort": self.ordering,
            **changes,
        }
        return {k: v for k, v in values.items() if v}


def normalize_query(text: str) -> str:
    return unicodedata.normalize("NFKC", text[:QUERY_MAX]).strip()


def case_query_from(params: Mapping[str, Any]) -> CaseQuery:
    """A ``CaseQuery`` from request parameters; what is not understood is ignored and named."""
    ignored: list[str] = []

    def pick(name: str, allowed: Iterable[str]) -> str:
        value = str(params.get(name) or "").strip()
        if value and value not in allowed:
            ignored.append(name)
            return ""
        return value

    step_text = pick("step", [str(n) for n in STEP_CHOICES])
    sort = pick("sort", [*SORTS, *(f"-{key}" for key in SORTS)])
    overdue = pick("overdue", ["1", "true", "0", "false"])
    return CaseQuery(
        q=str(params.get("q") or "")[:QUERY_MAX],
        step=int(step_text) if step_text else None,
        state=pick("state", State.values),
        waiting=pick("waiting", WAITING_CHOICES),
        overdue=overdue in ("1", "true"),
        prefecture=pick("prefecture", [code for code, _name in PREFECTURES]),
        sort=sort.lstrip("-") or DEFAULT_SORT,
        descending=sort.startswith("-"),
        ignored=ignored,
    )


def ignored_message(query: CaseQuery) -> str:
    return _("These parameters were not understood and were ignored: {names}.").format(
        names=", ".join(query.ignored)
    )


# Behind the plan -------------------------------------------------------------------------------
def _extra_days(terminals: int | None) -> int:
    """The business days ⑥ takes beyond the standard for ``terminals`` (as the planner counts)."""
    extra = max(0, (terminals or 1) - planner.STANDARD_TERMINALS)
    return -(-extra // planner.TERMINALS_PER_EXTRA_DAY)


def _terminals_q(extra: int) -> Q:
    """The cases whose planned terminals give ⑥ ``extra`` more business days."""
    if extra == 0:
        return Q(application__planned_terminals__isnull=True) | Q(
            application__planned_terminals__lte=planner.STANDARD_TERMINALS
        )
    low = planner.STANDARD_TERMINALS + (extra - 1) * planner.TERMINALS_PER_EXTRA_DAY + 1
    return Q(application__planned_terminals__range=(low, low + 9))


def plan_cutoff(
    step: int, *, today: dt.date, terminals: int, durations: dict[int, int]
) -> dt.date | None:
    """The latest submission date whose first plan ends ``step`` before ``today``; None when no
    date of the last six years does."""

    def behind(ordinal: int) -> bool:
        start = dt.date.fromordinal(ordinal)
        plan = planner.plan(start, terminals=terminals, durations=durations)
        return plan.step(step).end < today

    low, high = today.toordinal() - 6 * 366, today.toordinal()
    if not behind(low):
        return None
    while low < high:  # invariant: behind(low)
        middle = (low + high + 1) // 2
        if behind(middle):
            low = middle
        else:
            high = middle - 1
    return dt.date.fromordinal(low)


@functools.lru_cache(maxsize=512)
def _cutoffs(
    today: dt.date, durations: tuple[tuple[int, int], ...], extra: int
) -> tuple[dt.date | None, ...]:
    """``plan_cutoff`` of ①–⑦ for one day, durations and length of ⑥ (about 30 ms; kept)."""
    terminals = planner.STANDARD_TERMINALS + extra * planner.TERMINALS_PER_EXTRA_DAY
    return tuple(
        plan_cutoff(step, today=today, terminals=terminals, durations=dict(durations))
        for step in planner.STEPS
    )


def with_first_submission(cases: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """``cases`` with ``first_submitted``: when version 1 of the application was submitted.

    A join (one row at most per case: version numbers are unique per application), not a
    subquery: the plan's conditions name it once per step and length of ⑥, and PostgreSQL ran
    a subquery as often as it was named, for every row before the page (10 s at page 50 of
    5,000 cases)."""
    return cases.annotate(
        first_version=FilteredRelation(
            "application__versions", condition=Q(application__versions__number=1)
        ),
        first_submitted=F("first_version__submitted_at"),
    )


def _first_submitted_before(day: dt.date) -> Q:
    """Cases first submitted on or before ``day`` (local date); ``with_first_submission``."""
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    return Q(first_submitted__lt=end)


def behind_plan_q(
    *,
    extras: Iterable[int],
    today: dt.date | None = None,
    durations: tuple[tuple[int, int], ...] | None = None,
) -> Q:
    """Open cases whose first plan ended their current step before today (one query: the
    office's durations, unless given), on cases ``with_first_submission``. ``extras``: the ⑥
    lengths to consider (``plan_extras``)."""
    today = today or timezone.localdate()
    if durations is None:
        durations = tuple(sorted(step_durations_current().items()))
    condition = Q(pk__in=[])
    for extra in sorted(set(extras)):
        for step, cutoff in enumerate(_cutoffs(today, durations, extra), start=1):
            if cutoff is not None:
                condition |= (
                    Q(state__in=states_of_step(step))
                    & _terminals_q(extra)
                    & _first_submitted_before(cutoff)
                )
    return condition


def is_behind_plan(
    *,
    state: str,
    terminals: int | None,
    first_submitted: dt.datetime | None,
    today: dt.date,
    durations: tuple[tuple[int, int], ...],
) -> bool:
    """``behind_plan_q`` of one case, in Python: for the rows of a page, once the page is cut
    (the condition over every visible case was most of the API list's query building)."""
    step = STEP_OF_STATE.get(state)
    if first_submitted is None or step is None or step not in planner.STEPS:
        return False
    cutoff = _cutoffs(today, durations, _extra_days(terminals))[step - 1]
    if cutoff is None:
        return False
    return first_submitted < timezone.make_aware(
        dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time())
    )


def behind_plan_mark(rows: Iterable[dict[str, Any]], *, today: dt.date | None = None) -> None:
    """Set ``behind_plan`` on each row (``id``, ``state``, ``planned_terminals``,
    ``first_submitted``: ``enrollment_search(..., mark_behind=False)``'s columns), taking the
    last two away (one query: the office's durations)."""
    today = today or timezone.localdate()
    durations = tuple(sorted(step_durations_current().items()))
    for row in rows:
        row["behind_plan"] = is_behind_plan(
            state=row["state"],
            terminals=row.pop("planned_terminals"),
            first_submitted=row.pop("first_submitted"),
            today=today,
            durations=durations,
        )


def plan_extras(cases: QuerySet[Enrollment]) -> set[int]:
    """The distinct ⑥ lengths among the open submitted ``cases`` (one query)."""
    terminals = (
        cases.filter(state__in=[s for s, n in STEP_OF_STATE.items() if 1 <= n <= 7])
        .exclude(state=State.DRAFT)
        .values_list("application__planned_terminals", flat=True)
        .distinct()
        .order_by()
    )
    return {_extra_days(t) for t in terminals} or {0}


# The search ------------------------------------------------------------------------------------
def _word_q(user: User, word: str) -> Q:
    """A case matches a word in its company's name or 法人番号, its site's name, its number or
    one of its 到達番号 (those of any submitted version, where ``user`` reads them)."""
    receipts = permissions.restrict(
        user,
        ApplicationVersion.objects.filter(
            application__enrollment=OuterRef("pk"), receipt_number__icontains=word
        ),
    )
    return (
        Q(search_company__icontains=word)
        | Q(search_corporate__icontains=word)
        | Q(search_site__icontains=word)
        | Q(search_number__icontains=word)
        | Q(Exists(receipts))
    )


def _filters_q(user: User, query: CaseQuery) -> Q:
    condition = Q()
    if query.step is not None:
        condition &= Q(state__in=states_of_step(query.step))
    if query.state:
        condition &= Q(state=query.state)
    if query.waiting:
        # Whose turn it is as the homes and the case page say it: a party with an open item of
        # the case (a date to pick, a visit, a record of ③–⑥…), or with none open, the party
        # the state waits on — in the query, one subquery per kind of item (core.todos).
        condition &= waiting_on_q(
            user=user,
            key="enrollment",
            party=query.waiting,
            fallback=[s for s, who in WAITING_ON.items() if who == query.waiting],
        )
    if query.prefecture:
        condition &= Q(site__prefecture=query.prefecture)
    return condition


def enrollment_search(
    *, user: User, query: CaseQuery, mark_behind: bool = True
) -> QuerySet[Enrollment]:
    """The cases ``user`` sees that match ``query``, each marked ``behind_plan``, in the order
    asked (two queries to prepare: the office's durations and the ⑥ lengths in use).
    ``mark_behind=False``: not marked (nor those two queries, unless ``query.overdue``), for a
    caller that marks its page's rows (``behind_plan_mark``); ``first_submitted`` is there."""
    visible = enrollment_list_for(user=user)
    behind = behind_plan_q(extras=plan_extras(visible)) if mark_behind or query.overdue else Q()
    return _searched(
        visible, user=user, query=query, words=query.words, behind=behind, mark_behind=mark_behind
    )


def _searched(
    visible: QuerySet[Enrollment],
    *,
    user: User,
    query: CaseQuery,
    words: list[str],
    behind: Q,
    mark_behind: bool,
    first_submission: bool = True,
) -> QuerySet[Enrollment]:
    """``enrollment_search`` of the ``visible`` cases, the words and the behind-plan condition
    given: it reads nothing itself (``enrollment_search_kept`` builds it with sentinels).
    ``first_submission=False``: without ``first_submitted`` (its join), for counting the cases
    when the behind-plan condition is not asked (it names ``first_submitted``)."""
    cases = with_first_submission(visible) if first_submission or mark_behind else visible
    if mark_behind:
        cases = cases.annotate(
            behind_plan=Case(
                When(behind, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
    if words:
        cases = cases.annotate(
            search_company=Nfkc("site__company__name"),
            search_corporate=Nfkc("site__company__corporate_number"),
            search_site=Nfkc("site__name"),
            search_number=case_number_expression(),
        )
        for word in words:
            cases = cases.filter(_word_q(user, word))
    cases = cases.filter(_filters_q(user, query))
    if query.overdue:
        cases = cases.filter(behind)
    column = ("-" if query.descending else "") + SORTS[query.sort]
    return cases.order_by(column, "-pk" if query.descending else "pk")


# The search kept compiled (issue #14) ---------------------------------------------------------
# The API's case list builds the search, its page and its count with sentinels for the values a
# call gives (the search box's words, the state, the prefecture) and keeps them compiled per
# person, role, organisation, day and shape of the filters (docs/performance.md, fifth run).
WORDS_KEPT = 8  # a search of more words is built every call (each shape of the words is kept)
_STATE = text_sentinel("search-state")
_PREFECTURE = text_sentinel("search-prefecture")


def _like(word: str, db: str) -> str:
    """``word`` as a ``icontains`` lookup passes it to the database: a kept query's parameter."""
    return f"%{connections[db].ops.prep_for_like_query(word)}%"


def enrollment_search_kept(
    *,
    user: User,
    query: CaseQuery,
    rows: Callable[[QuerySet[Enrollment]], QuerySet[Any]],
    name: str,
) -> KeptList:
    """``rows(enrollment_search(user=user, query=query, mark_behind=False))`` as a list whose
    page, keyset page and count are compiled once per ``name``, person, day and shape of
    ``query`` (``core.pagination.KeptList``): the words, the state and the prefecture go in as
    values. Reads what ``enrollment_search`` reads (with ``?overdue``: the office's durations
    and the ⑥ lengths in use, which are then in the key)."""
    words = query.words
    db = Enrollment.objects.db

    def fresh() -> QuerySet[Any]:
        return rows(enrollment_search(user=user, query=query, mark_behind=False))

    if len(words) > WORDS_KEPT:
        return KeptList(key=None, build=fresh, sentinels=(), values=(), fresh=fresh, kept=False)
    today = timezone.localdate()
    key: list[Any] = [name, *person_key(user), today, len(words), query.step, query.waiting]
    key += [bool(query.state), bool(query.prefecture), query.sort, query.descending]
    overdue: tuple[tuple[tuple[int, int], ...], frozenset[int]] | None = None
    if query.overdue:
        durations = tuple(sorted(step_durations_current().items()))
        overdue = (durations, frozenset(plan_extras(enrollment_list_for(user=user))))
    key.append(overdue)
    if query.waiting:  # the open items' subqueries name the subjects' content types
        key.append(subject_type_ids())
    word_sentinels = [text_sentinel(f"search-word-{i}") for i in range(len(words))]
    sentinels: list[Any] = [_like(word, db) for word in word_sentinels]
    values: list[Any] = [_like(word, db) for word in words]
    if query.state:
        sentinels.append(_STATE)
        values.append(query.state)
    if query.prefecture:
        sentinels.append(_PREFECTURE)
        values.append(query.prefecture)
    shaped = replace(
        query,
        q="",
        state=_STATE if query.state else "",
        prefecture=_PREFECTURE if query.prefecture else "",
    )

    def searched(*, counted: bool = False) -> QuerySet[Enrollment]:
        visible = enrollment_list_for(user=user)
        behind = Q()
        if overdue is not None:
            behind = behind_plan_q(extras=overdue[1], today=today, durations=overdue[0])
        return _searched(
            visible,
            user=user,
            query=shaped,
            words=word_sentinels,
            behind=behind,
            mark_behind=False,
            # counted: the first submission's join only where ?overdue names it (a case has
            # one application and one version 1 at most: the joins never change the count)
            first_submission=not counted or overdue is not None,
        )

    return KeptList(
        key=tuple(key),
        build=lambda: rows(searched()),
        sentinels=sentinels,
        values=values,
        fresh=fresh,
        count_build=lambda: searched(counted=True),
    )
