"""Live sockets under load: N WebSocket connections held by the desk, replies posted at a steady
rate, and the delay from a reply's request to its arrival on every other socket following that
ticket; memory per connection.

Loads a fresh PostgreSQL database (`tierdesk_live_bench`) with the demo data, opens `--tickets`
tickets as the demo partner user, and serves the desk with `tierdesk serve --workers W
--no-scheduler` and `TIERDESK_BROKER_URL` on Redis (the scale-out mode: every worker hears every
other's broadcasts through channels-redis). One client process (asyncio, the `websockets`
package) opens `--connections` sockets, half as the partner user and half as the manager, spread
evenly over the tickets (each socket authenticated by a session cookie, as a browser's), waits
until all are open, and measures the server's resident memory. It then posts `--rate` public
replies a second (`POST /api/v1/tickets/{n}/replies` with the manager's API token, round-robin
over the tickets) for `--seconds`, and records for each reply the time from sending the request
to its arrival on each socket of that ticket: the request itself (the action, its transaction
and commit), the post-commit notice through Redis, and each socket reading the new event through
the queries and rendering it as the page shows it.

    .venv/bin/python benchmarks/live.py [--connections 2000] [--tickets 200] [--rate 10]
        [--seconds 60] [--workers 2] [--redis redis://127.0.0.1:6379/6]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_database, machine

ROOT = Path(__file__).resolve().parent.parent
FORM = {
    "account": "ACME-1",
    "subscription": "SUB-1",
    "user_details": "admin@acme.example.com",
    "situation": "Open the panel",
    "error": "HTTP 502",
    "performed_actions": "Retried",
}


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def prepare(tickets: int) -> tuple[list[str], str, str, str]:
    """Tickets, a session for the partner user and for the manager, the manager's API token."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from tierdesk import clock
    from tierdesk.actions import tickets as act
    from tierdesk.actions.tokens import create_token
    from tierdesk.persistence.models import User

    partner = User.objects.get(username="north.user")
    manager = User.objects.get(username="manager")
    opened = [
        act.open_ticket(
            actor=partner,
            now=clock.now(),
            subject=f"Live benchmark {i}: mailbox {i} rejects mail",
            description=f"Mailbox number {i} answers 552 since this morning.",
            channel="portal",
            form=FORM,
        )
        for i in range(tickets)
    ]
    # Each socket starts from the ticket's head, as a page rendered just now does.
    numbers = [f"{t.number}/?after={t.event_count}" for t in opened]

    def session(user: User) -> str:
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        return str(s.session_key)

    token = create_token(user=manager, name="live benchmark", now=clock.now()).secret
    return numbers, session(partner), session(manager), token


async def run(
    args: argparse.Namespace,
    base: str,
    numbers: list[str],
    sessions: list[str],
    token: str,
    server_pids: list[int],
) -> dict[str, object]:
    import httpx
    import websockets

    host = base.split("//", 1)[1]
    sent: dict[str, float] = {}  # reply body -> when its request was sent
    latencies: list[float] = []
    opened = 0
    dropped = 0
    per_ticket = max(1, args.connections // len(numbers))

    async def follow(i: int, ready: asyncio.Event, stop: asyncio.Event) -> None:
        nonlocal dropped
        try:
            await hold(i, ready, stop)
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
            dropped += 1  # refused, timed out or closed by the server: counted, not retried

    async def hold(i: int, ready: asyncio.Event, stop: asyncio.Event) -> None:
        nonlocal opened
        number = numbers[i % len(numbers)]
        cookie = sessions[i % 2]
        async with websockets.connect(
            f"ws://{host}/live/tickets/{number}",
            origin=base,
            additional_headers={"Cookie": f"sessionid={cookie}"},
            max_queue=None,
            open_timeout=120,
            ping_interval=None,
        ) as ws:
            opened += 1
            if opened + dropped >= args.connections:
                ready.set()
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=1)
                except TimeoutError:
                    continue
                now = time.perf_counter()
                for event in json.loads(raw).get("events", []):
                    at = sent.get(event.get("text", ""))
                    if at is not None:
                        latencies.append((now - at) * 1000)

    ready, stop = asyncio.Event(), asyncio.Event()
    before = rss_kib(server_pids)
    started = time.perf_counter()
    tasks = []
    for i in range(args.connections):
        tasks.append(asyncio.create_task(follow(i, ready, stop)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # a steady ramp, not one burst of handshakes
    await asyncio.wait_for(ready.wait(), timeout=600)
    ramp = time.perf_counter() - started
    await asyncio.sleep(2)
    after = rss_kib(server_pids)

    request_ms: list[float] = []
    failures = 0
    async with httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
        limits=httpx.Limits(max_connections=1000),
    ) as client:
        interval = 1 / args.rate
        total = int(args.rate * args.seconds)
        next_at = time.perf_counter()
        pending = []

        async def post(k: int) -> None:
            nonlocal failures
            body = f"Benchmark reply {k}"
            number = numbers[k % len(numbers)].split("/", 1)[0]
            t0 = time.perf_counter()
            sent[body] = t0
            try:
                r = await client.post(f"/api/v1/tickets/{number}/replies", json={"body": body})
            except httpx.HTTPError:
                failures += 1
                return
            request_ms.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 201:
                failures += 1

        for k in range(total):
            next_at += interval
            pending.append(asyncio.create_task(post(k)))
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.gather(*pending)
    await asyncio.sleep(5)  # the last deliveries
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    expected = total * per_ticket
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    rq = statistics.quantiles(request_ms, n=100) if len(request_ms) > 1 else [0.0] * 99
    return {
        "connections": args.connections,
        "connections opened": opened,
        "connections refused or dropped": dropped,
        "tickets": len(numbers),
        "sockets per ticket": per_ticket,
        "ramp s": round(ramp, 1),
        "replies": total,
        "reply failures": failures,
        "deliveries expected": expected,
        "deliveries": len(latencies),
        "p50 ms": round(q[49], 1),
        "p95 ms": round(q[94], 1),
        "p99 ms": round(q[98], 1),
        "request p50 ms": round(rq[49], 1),
        "request p95 ms": round(rq[94], 1),
        "server RSS before MiB": round(before / 1024, 1),
        "server RSS held MiB": round(after / 1024, 1),
        "KiB per connection": round((after - before) / args.connections, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/tierdesk_live_bench"
    )
    args = parser.parse_args()

    logging.getLogger("httpx").setLevel(logging.WARNING)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            raise SystemExit(f"port {args.port} is taken; pass --port")
    env = demo_database(args.database, "live", TIERDESK_BROKER_URL=args.redis)
    numbers, partner, manager, token = prepare(args.tickets)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "tierdesk"),
            "serve",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
            "--no-scheduler",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its workers are stopped with it, whatever happens here
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/login/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        pids = children(server.pid)
        result = asyncio.run(run(args, base, numbers, [partner, manager], token, pids))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    print(machine(f"{args.workers} uvicorn workers under gunicorn", "Redis channel layer"))
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
