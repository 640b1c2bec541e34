from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from .smtp import Inbox, free_port


@pytest.fixture
def smtp(settings):
    """The portal sends through a real SMTP server on loopback; ``smtp.messages`` is its inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()
