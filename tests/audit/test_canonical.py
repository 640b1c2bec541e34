"""What the hash covers stays byte-identical (#14): verify reads the rows as the database gives
them and writes each event's canonical JSON itself (``_canonical_text``) instead of building the
model's payload dict — the same bytes as ``canonical_json(event.canonical_payload())``, the one
definition the append uses. Digests fixed before that change must still come out, and a ledger
holding those events must verify."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsg.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from dsg.audit.services import (
    _canonical_text,
    _normalise,
    _readers,
    _time_as_text,
    audit_record,
    audit_verify,
    canonical_json,
    chain_hash,
)
from dsg.audit.triggers import ledger_unlocked

UTC = dt.UTC

# Events with what a payload can hold: 全角 and non-BMP text, escapes, nested keys out of order,
# floats, large integers, empty containers and strings, a request id or none, a time with and
# without microseconds. The digests were computed by the code before verify wrote the JSON
# itself (commit 7cd882e); they must never change, or every stored ledger stops verifying.
KNOWN = [
    {
        "sequence": 1,
        "occurred_at": dt.datetime(2026, 11, 30, 9, 29, 18, 926637, tzinfo=UTC),
        "actor_id": 7,
        "actor_label": "psa@example.jp",
        "organization_id": 3,
        "company_id": 3,
        "action": "enrollment.submit",
        "object_type": "enrollment.enrollment",
        "object_id": "12",
        "before": None,
        "after": {
            "state": "submitted",
            "番号": "ＤＳＧ－１",
            "z": [1, 2.5, None, True, False],
            "a": {"y": "😀 é\u2028", "b": '"quoted"\n\t\\'},
        },
        "request_id": None,
    },
    {
        "sequence": 2,
        "occurred_at": dt.datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC),
        "actor_id": None,
        "actor_label": "system",
        "organization_id": None,
        "company_id": None,
        "action": "notice.issue",
        "object_type": "notices.notice",
        "object_id": "abc-\u00e9",
        "before": {"state": "draft", "": ""},
        "after": {"state": "issued", "n": 10**20, "list": []},
        "request_id": "9b2f0c1e4d5a4b7f8e6d3c2b1a0f9e8d",
    },
    {
        "sequence": 3,
        "occurred_at": dt.datetime(2027, 1, 4, 23, 59, 59, 1, tzinfo=UTC),
        "actor_id": 2**40,
        "actor_label": "検査官 <inspector@example.jp>",
        "organization_id": 1,
        "company_id": None,
        "action": "inspection.finish",
        "object_type": "inspections.inspection",
        "object_id": "99",
        "before": {},
        "after": None,
        "request_id": "",
    },
]
DIGESTS = [
    "a2e32a9fa6a430c1ed378543d515f5b41018526bf659f8824a863607a761c87f",
    "1395f6e5a41ae61f397fd685609965838588a10ed167145adab74fbb8ff50fa8",
    "2bfcad02295cbe06d4ca6801236396fc3b003339b3c01d63458e741dc31b76fb",
]


def _events() -> list[AuditEvent]:
    events, previous = [], GENESIS_HASH
    for values, digest in zip(KNOWN, DIGESTS, strict=True):
        event = AuditEvent(
            **{**values, "before": _normalise(values["before"])},
            previous_hash=previous,
            hash=digest,
        )
        event.after = _normalise(values["after"])
        events.append(event)
        previous = digest
    return events


def _text(event: AuditEvent) -> str:
    return _canonical_text(
        event.sequence,
        event.occurred_at.isoformat(),
        event.actor_id,
        event.actor_label,
        event.organization_id,
        event.company_id,
        event.action,
        event.object_type,
        event.object_id,
        event.before,
        event.after,
        event.request_id,
    )


def test_the_known_events_hash_to_their_fixed_digests():
    for event in _events():
        assert chain_hash(event.previous_hash, event.canonical_payload()) == event.hash
        assert _text(event).encode() == canonical_json(event.canonical_payload())


@pytest.mark.django_db
def test_a_ledger_of_the_known_events_verifies_and_a_changed_one_does_not():
    for event in _events():
        event.save()
    AuditHead.objects.create(id=1, sequence=len(DIGESTS), hash=DIGESTS[-1])
    assert audit_verify() == audit_verify(stretch=1, workers=2)
    assert audit_verify().ok and audit_verify().checked == len(DIGESTS)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with ledger_unlocked(reason="test: tampering"), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET object_id = %s WHERE sequence = 2", ["abc-e"])  # noqa: S608
    result = audit_verify()
    assert not result.ok and result.sequence == 2 and "changed" in result.problem


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL keeps the column's type")
def test_a_text_put_in_an_integer_column_is_reported_as_a_change():
    for event in _events():
        event.save()
    AuditHead.objects.create(id=1, sequence=len(DIGESTS), hash=DIGESTS[-1])
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with ledger_unlocked(reason="test: tampering"), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_id = 'x' WHERE sequence = 1")  # noqa: S608
    result = audit_verify()
    assert not result.ok and result.sequence == 1 and "changed" in result.problem


@pytest.mark.django_db
def test_a_time_as_the_database_gives_it_is_read_as_the_model_reads_it():
    """The driver's own value (naive on SQLite, aware on PostgreSQL), the database's text of it
    (what verify reads: SQLite's stored text, PostgreSQL's in UTC) and, past those common cases,
    Django's converters: each gives the ISO text of the time the model holds."""
    occurred_at, decoded = _readers(connection)
    aware = dt.datetime(2026, 11, 30, 9, 29, 18, 926637, tzinfo=UTC)
    assert occurred_at(aware) == aware.isoformat() == "2026-11-30T09:29:18.926637+00:00"
    assert occurred_at(aware.replace(tzinfo=None)) == aware.isoformat()
    assert occurred_at(aware.replace(microsecond=0)) == "2026-11-30T09:29:18+00:00"
    tokyo = aware.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert occurred_at(tokyo) == tokyo.isoformat()  # Django's converters leave it as it is
    if connection.vendor == "sqlite":  # the stored text: as Django's converter reads it
        assert occurred_at("2026-11-30 09:29:18.926637") == aware.isoformat()
        convert = connection.ops.convert_datetimefield_value
        for text in (
            "2026-11-30 09:29:18.926637",
            "2026-11-30 09:29:18",
            "2026-11-30 09:29:18.000000",  # not as Django writes it: its converter reads it
            "2026-11-30 09:29:18.123",
            "2026-11-30T09:29:18",
            "2026-11-30 09:29:18+00:00",
        ):
            assert occurred_at(text) == convert(text, None, connection).isoformat(), text
        # a text Django's converter refuses is not an error here: it no longer matches its hash
        assert occurred_at("2026-13-30 09:29:18") != aware.isoformat()
    if connection.vendor == "postgresql":  # its text of the time (DateStyle ISO, in UTC)
        assert _time_as_text(connection)
        times = [
            aware,
            aware.replace(microsecond=0),
            aware.replace(microsecond=120000),  # the text drops the trailing zeros: ".12"
            aware.replace(microsecond=1),
            aware.replace(microsecond=999999),
            dt.datetime(1, 1, 1, tzinfo=UTC),
            dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        ]
        with connection.cursor() as cursor:
            for time in times:
                cursor.execute("SELECT %s::timestamptz::text", [time])
                (text,) = cursor.fetchone()
                assert occurred_at(text) == time.isoformat(), text
        assert occurred_at("2026-11-30 18:29:18.926637+09") == aware.isoformat()  # read by Python
        assert occurred_at("2026-11-30 09:29:18.9x+00") == "2026-11-30 09:29:18.9x+00"  # as it is
    field = AuditEvent._meta.get_field("after")
    texts = ('{"b": 1, "a": "\\u756a"}', ' {"a": [1]}\n', '{"a": 1} x', "nope", '"x"', "", "[]")
    for text in texts:
        # as the field reads it: JSON with space around it decoded, anything else the text
        assert decoded(text) == field.from_db_value(text, None, connection), text
    assert decoded('{"b": 1, "a": "\\u756a"}') == {"b": 1, "a": "番"}


# Payloads drawn by hypothesis: what _CANONICAL writes of the dict, _canonical_text writes too.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
IDS = st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
TIMES = st.datetimes(timezones=st.just(UTC))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    sequence=st.integers(min_value=1, max_value=2**63 - 1),
    occurred_at=TIMES,
    actor_id=IDS,
    organization_id=IDS,
    company_id=IDS,
    strings=st.tuples(st.text(), st.text(), st.text(), st.text()),
    before=JSON,
    after=JSON,
    request_id=st.none() | st.text(),
)
def test_the_written_json_is_the_canonical_json_of_the_payload(
    sequence, occurred_at, actor_id, organization_id, company_id, strings, before, after, request_id
):
    actor_label, action, object_type, object_id = strings
    event = AuditEvent(
        sequence=sequence,
        occurred_at=occurred_at,
        actor_id=actor_id,
        actor_label=actor_label,
        organization_id=organization_id,
        company_id=company_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        request_id=request_id,
    )
    assert _text(event).encode() == canonical_json(event.canonical_payload())


# audit_record writes before/after once as canonical JSON: the text the hash covers is the text
# the column stores (#14, the .xlsx import's fourth pass). What it appends must be what the
# definition gives (chain_hash of the stored event's canonical_payload), the values as they read
# back (_normalise), and the chain must verify — whatever the values hold.
class _Choice(models.TextChoices):
    ADD = "add", "Add"


ODD_VALUES = [
    {"lines": [{"line": n, "name": f"PC-{n}", "terminal": None} for n in range(1, 501)]},
    {
        "when": dt.datetime(2026, 12, 1, 1, 2, 3, 4, tzinfo=UTC),
        "on": dt.date(2026, 12, 1),
        "amount": Decimal("1.50"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "pair": (3, 1),
        "lazy": gettext_lazy("Approved"),
        "choice": _Choice.ADD,
        "全角": "ＤＳＧ－１ 😀 \u2028",
        "float": 0.1,
        "big": 10**20,
        "nested": {"b": [1.5, None, True], "a": {}},
    },
    {2: "an int key", 10: "another"},  # json sorts as text, not as numbers
    {1: "int", "b": "text", None: "null key"},  # keys of several types: not sortable as given
    {},
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ODD_VALUES, ids=["snapshot", "special", "int-keys", "mixed", "empty"]
)
def test_an_appended_event_hashes_and_reads_back_as_the_definition_says(value, office):
    with transaction.atomic():
        event = audit_record(actor=None, action="test.odd", obj=office, before=value, after=value)
        audit_record(actor=None, action="test.next", obj=office, after={"n": 1})
    assert event.after == event.before == _normalise(value)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.after == stored.before == _normalise(value)
    assert event.hash == stored.hash == chain_hash(stored.previous_hash, stored.canonical_payload())
    assert event.hash == chain_hash(event.previous_hash, event.canonical_payload())
    if connection.vendor == "sqlite":  # the column holds the text the hash covers
        table = connection.ops.quote_name(AuditEvent._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT after FROM {table} WHERE id = %s", [event.pk])  # noqa: S608
            (text,) = cursor.fetchone()
        assert text.encode() == canonical_json(_normalise(value))
    result = audit_verify()
    assert result.ok, result
    head = AuditHead.objects.get()
    assert head.sequence == result.checked == event.sequence + 1


# What a JSON column can hold. No database stores a lone surrogate, and PostgreSQL's jsonb
# refuses NUL (a text holding either fails its change; the API refuses both and Django's forms
# NUL before any change, tests/api/test_api_errors.py). Its numbers are numeric: a float of 1e16
# or more and -0.0 are written as jsonb gives them back before they are hashed (``_as_stored``),
# so that every float is drawn here.
_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
STORED_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    deadline=None,
)
@given(before=STORED_JSON, after=STORED_JSON)
@pytest.mark.django_db
def test_appended_payloads_drawn_by_hypothesis_hash_as_the_definition_says(before, after, office):
    with transaction.atomic():
        event = audit_record(
            actor=None, action="test.drawn", obj=office, before=before, after=after
        )
        stored = AuditEvent.objects.get(pk=event.pk)
        assert (stored.before, stored.after) == (event.before, event.after)
        assert event.hash == chain_hash(stored.previous_hash, stored.canonical_payload())
        transaction.set_rollback(True)


# Floats a JSON column may give back as another number (PostgreSQL's numeric: written in full
# from 1e16, no negative zero), beside ones it keeps: each event verifies on both databases.
ODD_FLOATS = [1e16, -1e16, 1.5e300, -0.0, 0.0, 2.0**53, 1e-05, -2.5e-300, 123.25, 1e15 + 0.5]


@pytest.mark.django_db
def test_floats_are_stored_as_the_json_column_gives_them_back_and_the_chain_verifies(office):
    with transaction.atomic():
        event = audit_record(
            actor=None,
            action="test.floats",
            obj=office,
            before={"values": ODD_FLOATS},
            after={str(n): value for n, value in enumerate(ODD_FLOATS)},
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.before, stored.after) == (event.before, event.after)
    assert stored.before["values"][:4] == [10**16, -(10**16), 15 * 10**299, 0.0]
    assert str(stored.before["values"][3]) == "0.0"  # not -0.0
    assert stored.before["values"][6:] == [1e-05, -2.5e-300, 123.25, 1e15 + 0.5]
    assert event.hash == chain_hash(stored.previous_hash, stored.canonical_payload())
    result = audit_verify()
    assert result.ok, result
