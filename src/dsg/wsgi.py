import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dsg.settings")
application = get_wsgi_application()
# What starting makes (Django, the apps, every view through the URLconf: ~200,000 objects) lives
# as long as the process: kept out of the cyclic garbage collector, whose full passes walked all
# of it every few requests — ~100 ms a request on the dashboards at 5,000 cases (#14,
# docs/performance.md).
get_resolver().url_patterns  # noqa: B018 - imports every view now, before the freeze
gc.collect()
gc.freeze()
