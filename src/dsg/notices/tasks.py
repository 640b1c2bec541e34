from __future__ import annotations

from django_tasks import task

from .services import notices_render_pending


@task()
def notices_render() -> int:
    """Render the notices still waiting for their PDF (a failed rendering is retried here)."""
    rendered, _failed = notices_render_pending()
    return rendered
