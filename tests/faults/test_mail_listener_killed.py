"""The mail listener killed with SIGKILL while messages are being delivered, twice, each
time while a message is stored and not yet decided. The sender offers again what was not
answered 250, as mail servers do. Every message ends in exactly one ticket: a message left
pending by a killed listener is completed by its resend or by the next listener at its start,
and never answered "duplicate" while nothing was made of it."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk
from tests.faults.conftest import desk_env, free_port, until
from tests.faults.mail_sender import Sender, message
from tierdesk.persistence.models import InboundMessage, Ticket

pytestmark = pytest.mark.faults
MESSAGES = 30
KILLS = 2


@pytest.mark.django_db(transaction=True)
def test_every_message_makes_one_ticket_across_listener_kills(
    desk: Desk, tmp_path: Path, processes: Callable[..., Any]
) -> None:
    port = free_port()
    env = desk_env(tmp_path)
    log = tmp_path / "listener.log"

    def listen() -> Any:
        started = processes(env, "mail", "serve", "--port", str(port), "--workers", "1", log=log)
        until(lambda: log.read_text().count("Tierdesk mail intake") > kills, 60, "the listener")
        return started

    kills = 0
    listener = listen()
    sender = Sender(port, MESSAGES)
    thread = sender.start(timeout=240)
    caught_pending = 0
    for kill in range(KILLS):
        until(
            lambda kill=kill: sender.acknowledged() >= (kill + 1) * MESSAGES // (KILLS + 1),
            120,
            "deliveries",
            step=0.01,
        )
        # Kill while a message is stored and undecided, if one is seen within a few seconds.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if InboundMessage.objects.filter(outcome=InboundMessage.PENDING).exists():
                caught_pending += 1
                break
        listener.send_signal(signal.SIGKILL)
        listener.wait(timeout=10)
        kills += 1
        listener = listen()
    thread.join(timeout=240)
    assert sender.done.is_set(), "the sender did not finish"

    assert sender.acknowledged() == MESSAGES
    assert sender.retries > 0  # the kills were felt
    subjects = Counter(Ticket.objects.values_list("subject", flat=True))
    expected = {message(n)[0] for n in range(MESSAGES)}
    missing = sorted(expected - set(subjects))
    assert not missing, f"accepted and lost: {missing}; answers: {sender.answers}"
    assert {s: c for s, c in subjects.items() if c > 1} == {}
    assert set(subjects) == expected
    assert InboundMessage.objects.count() == MESSAGES
    assert set(InboundMessage.objects.values_list("outcome", flat=True)) == {
        "ticket"
    }  # none pending
    print(f"kills {kills}, caught mid-intake {caught_pending}, resends {sender.retries}")
