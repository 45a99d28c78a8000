"""Celery, Redis and the Redis channel layer are the `scale` extra: the embedded desk starts
without them, and a broker or Redis cache configured without them is refused by name."""

from __future__ import annotations

import os
import subprocess
import sys

# Hides the scale extra's packages from the process, as on an installation without the extra.
WITHOUT_SCALE = "import sys; sys.modules.update(celery=None, redis=None, channels_redis=None);"


def _run(code: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TIERDESK_") and k != "DJANGO_SETTINGS_MODULE"
    }
    environment.update(variables, TIERDESK_DATA_DIR=os.environ["TIERDESK_DATA_DIR"])
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_SCALE + code],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


SETUP = (
    "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tierdesk.config.settings';"
    "import django; django.setup();"
    "from django.conf import settings; print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
)


def test_the_embedded_desk_needs_no_part_of_the_scale_extra() -> None:
    done = _run(SETUP + "; import tierdesk.config.asgi, tierdesk.config.urls")
    assert done.returncode == 0, done.stderr
    # The in-memory layer, with the relay for notices from the scheduler and the mail listener.
    assert done.stdout.strip() == "tierdesk.config.channel_layer.EmbeddedChannelLayer"


def test_a_broker_without_the_scale_extra_is_refused_naming_the_extra() -> None:
    done = _run(SETUP, TIERDESK_BROKER_URL="redis://127.0.0.1:6379/0")
    assert done.returncode != 0
    assert "TIERDESK_BROKER_URL is set, but the scale extra is not installed" in done.stderr
    assert "missing: celery, redis, channels_redis" in done.stderr
    assert "tierdesk[scale]" in done.stderr
    cache = _run(SETUP, TIERDESK_CACHE_URL="redis://127.0.0.1:6379/0")
    assert "TIERDESK_CACHE_URL is set, but the scale extra is not installed (missing: redis)" in (
        cache.stderr
    )


def test_the_command_says_so_in_one_line() -> None:
    done = _run(
        "from tierdesk.cli.main import main; sys.exit(main(['status']))",
        TIERDESK_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: TIERDESK_BROKER_URL is set, but the scale extra")
    assert "Traceback" not in done.stderr
