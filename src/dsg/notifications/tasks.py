from __future__ import annotations

from django_tasks import task

from .services import outbox_deliver_pending


@task()
def outbox_deliver() -> int:
    sent, _failed = outbox_deliver_pending()
    return sent
