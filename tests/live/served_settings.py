"""Settings of a desk served in its own process (`tierdesk serve`) for the browser tests: the
test settings, pointed at the test process's database and secret (so its sessions hold), on the
test's fixed instant, and on Redis when the test gives one (two processes sharing it)."""

import os
from datetime import datetime

from tests.settings import *  # noqa: F403
from tierdesk import clock

DATABASES["default"]["NAME"] = os.environ["TIERDESK_SERVED_DATABASE"]  # noqa: F405
if os.environ.get("TIERDESK_SERVED_REDIS"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [os.environ["TIERDESK_SERVED_REDIS"]], "prefix": "tierdesk-test"},
        }
    }
clock.install(clock.FixedClock(datetime.fromisoformat(os.environ["TIERDESK_SERVED_NOW"])))
