"""The portal's settings with bench/api_urls.py's URL conf (the baselines of bench/api.py)."""

from dsg.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
