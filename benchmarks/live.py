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
import collections
import json
import logging
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


MARK = re.compile(r"^Benchmark reply (\d+)$")


def hold(
    share: list[tuple[str, str]],
    base: str,
    sync: float,
    ready: Any,
    stop: Any,
    results: Any,
) -> None:
    """A client process: holds its share of the sockets (path, session) and notes when each
    reply's event arrives on each (CLOCK_MONOTONIC is the same clock in every process)."""
    asyncio.run(_hold(share, base, sync, ready, stop, results))


async def _hold(
    share: list[tuple[str, str]], base: str, sync: float, ready: Any, stop: Any, results: Any
) -> None:
    import websockets

    host = base.split("//", 1)[1]
    arrivals: list[tuple[int, float]] = []
    opened = refused = lost = 0
    all_in = asyncio.Event()
    beats: set[asyncio.Task[None]] = set()
    why: collections.Counter[str] = collections.Counter()

    def counted() -> None:
        if opened + refused >= len(share):
            all_in.set()

    async def one(path: str, cookie: str) -> None:
        nonlocal opened, refused, lost
        up = False
        try:
            async with websockets.connect(
                f"ws://{host}/live/tickets/{path}",
                origin=base,
                additional_headers={"Cookie": f"sessionid={cookie}"},
                max_queue=None,
                open_timeout=300,
                ping_interval=None,
            ) as ws:
                up = True
                opened += 1
                counted()
                if sync:
                    beats.add(asyncio.create_task(heartbeat(ws)))
                async for raw in ws:  # no polling: the socket wakes this task when data comes
                    now = time.monotonic()
                    for event in json.loads(raw).get("events", []):
                        mark = MARK.match(event.get("text", ""))
                        if mark:
                            arrivals.append((int(mark.group(1)), now))
                lost += 1  # closed by the server while the run went on
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
            why[type(exc).__name__ + (f" {exc}" if up else f" {str(exc)[:60]}")] += 1
            if up:
                lost += 1
            else:
                refused += 1
                counted()

    async def heartbeat(ws: Any) -> None:
        """What an open page sends (`live.js`): a sync every `sync` seconds, staggered."""
        try:
            await asyncio.sleep(random.uniform(0, sync))
            while True:
                await ws.send('{"type": "sync"}')
                await asyncio.sleep(sync)
        except websockets.exceptions.WebSocketException:
            return  # the socket closed: its holder counts it

    tasks = []
    for i, (path, cookie) in enumerate(share):
        tasks.append(asyncio.create_task(one(path, cookie)))
        if i % 25 == 24:
            await asyncio.sleep(0.05)  # a steady ramp, not one burst of handshakes
    await asyncio.wait_for(all_in.wait(), timeout=900)
    ready.put((opened, refused))
    await asyncio.get_running_loop().run_in_executor(None, stop.wait)
    for task in [*tasks, *beats]:
        task.cancel()
    await asyncio.gather(*tasks, *beats, return_exceptions=True)
    results.put((arrivals, lost, dict(why)))


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def quantiles(values: list[float]) -> list[float]:
    return statistics.quantiles(values, n=100) if len(values) > 1 else [0.0] * 99


async def post_replies(
    args: argparse.Namespace, base: str, numbers: list[str], token: str
) -> tuple[dict[int, float], dict[int, float], list[float], int]:
    """`--rate` replies a second for `--seconds`: when each request was sent and answered."""
    import httpx

    sent: dict[int, float] = {}
    answered: dict[int, float] = {}
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
        next_at = time.monotonic()
        pending = []

        async def post(k: int) -> None:
            nonlocal failures
            number = numbers[k % len(numbers)].split("/", 1)[0]
            sent[k] = time.monotonic()
            try:
                r = await client.post(
                    f"/api/v1/tickets/{number}/replies", json={"body": f"Benchmark reply {k}"}
                )
            except httpx.HTTPError:
                failures += 1
                return
            answered[k] = time.monotonic()
            request_ms.append((answered[k] - sent[k]) * 1000)
            if r.status_code != 201:
                failures += 1

        for k in range(total):
            next_at += interval
            pending.append(asyncio.create_task(post(k)))
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.gather(*pending)
    return sent, answered, request_ms, failures


def run(
    args: argparse.Namespace,
    base: str,
    numbers: list[str],
    sessions: list[str],
    token: str,
    server_pids: list[int],
) -> dict[str, object]:
    import multiprocessing

    per_ticket = max(1, args.connections // len(numbers))
    sockets = [(numbers[i % len(numbers)], sessions[i % 2]) for i in range(args.connections)]
    ctx = multiprocessing.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    clients = [
        ctx.Process(
            target=hold, args=(sockets[c :: args.clients], base, args.sync, ready, stop, results)
        )
        for c in range(args.clients)
    ]
    before = rss_kib(server_pids)
    started = time.monotonic()
    for process in clients:
        process.start()
    opened = refused = 0
    for _ in clients:
        o, r = ready.get(timeout=900)
        opened, refused = opened + o, refused + r
    ramp = time.monotonic() - started
    time.sleep(2)
    held = rss_kib(server_pids)

    cpu_before = cpu_seconds(server_pids)
    posting = time.monotonic()
    sent, answered, request_ms, failures = asyncio.run(post_replies(args, base, numbers, token))
    time.sleep(5)  # the last deliveries
    cpu = cpu_seconds(server_pids) - cpu_before
    wall = time.monotonic() - posting
    stop.set()
    arrivals: list[tuple[int, float]] = []
    lost = 0
    why: collections.Counter[str] = collections.Counter()
    for _ in clients:
        a, lo, w = results.get(timeout=120)
        arrivals += a
        lost += lo
        why.update(w)
    for process in clients:
        process.join(timeout=60)

    from_request = [(t - sent[k]) * 1000 for k, t in arrivals if k in sent]
    # The commit lies between the request and its answer: the answer bounds it from above.
    from_answer = [max(0.0, t - answered[k]) * 1000 for k, t in arrivals if k in answered]
    q = quantiles(from_request)
    qa = quantiles(from_answer)
    rq = quantiles(request_ms)
    total = len(sent)
    return {
        "connections": args.connections,
        "connections opened": opened,
        "connections refused": refused,
        "connections lost while held": lost,
        "why refused or lost": dict(why.most_common(5)),
        "client processes": args.clients,
        "heartbeat s": args.sync,
        "tickets": len(numbers),
        "sockets per ticket": per_ticket,
        "ramp s": round(ramp, 1),
        "replies": total,
        "reply failures": failures,
        "deliveries expected": total * per_ticket,
        "deliveries": len(from_request),
        "p50 ms (from the request)": round(q[49], 1),
        "p95 ms (from the request)": round(q[94], 1),
        "p99 ms (from the request)": round(q[98], 1),
        "p50 ms (after the answer)": round(qa[49], 1),
        "p95 ms (after the answer)": round(qa[94], 1),
        "p99 ms (after the answer)": round(qa[98], 1),
        "request p50 ms": round(rq[49], 1),
        "request p95 ms": round(rq[94], 1),
        "server CPU % of one core while posting": round(100 * cpu / wall, 1),
        "server RSS before MiB": round(before / 1024, 1),
        "server RSS held MiB": round(held / 1024, 1),
        "KiB per connection": round((held - before) / args.connections, 1),
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument(
        "--clients", type=int, default=1, help="client processes holding the sockets"
    )
    parser.add_argument("--server-log", default="", help="append the server's log to this file")
    parser.add_argument(
        "--sync", type=float, default=30, help="each socket's heartbeat, as a page's (0: none)"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/tierdesk_live_bench"
    )
    args = parser.parse_args()

    logging.getLogger("httpx").setLevel(logging.WARNING)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            raise SystemExit(f"port {args.port} is taken; pass --port")
    import redis

    # The run's own Redis database, emptied: nothing an earlier run (or the list-based layer's
    # group members, kept for a day) left behind is counted in this one.
    redis.Redis.from_url(args.redis).flushdb()
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
        stderr=open(args.server_log, "ab") if args.server_log else subprocess.DEVNULL,  # noqa: SIM115
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
        result = run(args, base, numbers, [partner, manager], token, pids)
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
