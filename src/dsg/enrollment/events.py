"""The ledger events of a case, as the person asking may read them.

Those who read the whole history of a case (the PSA, the person the PSA designates, the office)
read every event of the case itself: its creation and each step taken (the states before and
after, the step record). The provider and a 利用者 read of the history only the records of ③–⑥
(``policy.py``): of the ledger, only the events of those records — never the events of ① and ②
or of the inspection at ⑦, whose very names tell the review's outcome.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from dsg.audit.models import AuditEvent
from dsg.orgs.models import Role, User

from .models import Enrollment
from .selectors import step_records_for

# The roles that read of the history only the records permissions.restrict gives them.
NARROWED = frozenset({Role.USER, Role.PROVIDER_STAFF})


def case_events_for(*, user: User, enrollment: Enrollment) -> QuerySet[AuditEvent]:
    """The events of a case ``user`` sees (the caller checked that), oldest first, each with the
    name of the person who caused it (``actor_name``) — one query."""
    events = AuditEvent.objects.filter(
        object_type=Enrollment._meta.label_lower, object_id=str(enrollment.pk)
    )
    if user.role in NARROWED:
        records = list(
            step_records_for(user=user, enrollment=enrollment).values_list("pk", flat=True)
        )
        events = events.filter(after__record__in=records)
    name = User.objects.filter(pk=OuterRef("actor_id")).values("full_name")[:1]
    return events.annotate(actor_name=Subquery(name)).order_by("sequence")
