"""Run inside the peer's virtual environment: migrate django-helpdesk's database and create the
staff user (with an API token) and the queue the benchmark writes to; prints them as JSON."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from helpdesk.models import Queue  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

call_command("migrate", verbosity=0)
user = get_user_model().objects.create_user(
    "bench", "bench@peer.example.com", "bench", is_staff=True, is_superuser=True
)
queue = Queue.objects.create(
    title="Support", slug="support", email_address="support@peer.example.com"
)
print(json.dumps({"token": Token.objects.create(user=user).key, "queue": queue.pk}))
