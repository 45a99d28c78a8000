"""Run inside the peer's virtual environment: django-helpdesk's `get_email` intake
(`helpdesk.email.process_queue` for a queue whose mailbox is a local directory, what its
`get_email` command runs per queue) over each directory given, in order; prints one JSON line
with the seconds, this process's CPU seconds and its PostgreSQL backend's CPU seconds, and the
tickets and follow-ups stored.

    python helpdesk_intake.py DIR [DIR ...]
"""

import json
import logging
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from helpdesk.email import process_queue  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


queue = Queue.objects.get(slug="support")
queue.email_box_type = "local"
queue.allow_email_submission = True
queue.save()
logger = logging.getLogger("django.helpdesk.queue.support")
logger.handlers, logger.propagate = [], False  # as a queue with logging "none"
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    backend = cursor.fetchone()[0]
results = []
for directory in sys.argv[1:]:
    count = len(os.listdir(directory))
    queue.email_box_local_dir = directory
    db0, cpu0, start = backend_cpu(backend), cpu(), time.perf_counter()
    process_queue(queue, logger=logger)
    seconds = time.perf_counter() - start
    results.append(
        {
            "messages": count,
            "left": len(os.listdir(directory)),
            "seconds": seconds,
            "cpu": cpu() - cpu0,
            "db_cpu": backend_cpu(backend) - db0,
        }
    )
print(
    json.dumps(
        {
            "runs": results,
            "tickets": Ticket.objects.count(),
            "followups": FollowUp.objects.count(),
        }
    )
)
