"""Mail intake: messages per second from SMTP delivery to committed ticket, on PostgreSQL.

With `--peer`: side by side with django-helpdesk's `get_email` from a local directory (see
`run_peer` below); with `--present 1000,1000000`: the same intake with that many tickets
already in the database.

Starts `tierdesk mail serve` (aiosmtpd) against a fresh PostgreSQL database with the demo data,
then 4 client processes deliver with smtplib over persistent connections: first new tickets,
then a mix of new tickets and replies (threaded by In-Reply-To to the tickets opened). The
listener answers 250 only once the message is committed, so the clock stops at the last 250.

    .venv/bin/python benchmarks/mail_intake.py [--messages 2000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_database, fresh_database, machine
from texts import reply_text, ticket_text

ROOT = Path(__file__).resolve().parent.parent
SENDERS = [
    "north.user@example.com",
    "north.admin@example.com",
    "contoso.admin@example.com",
    "contoso.user@example.com",
]
WORDS = [
    "mailbox",
    "quota",
    "backup",
    "panel",
    "login",
    "invoice",
    "domain",
    "certificate",
    "dns",
    "migration",
    "provisioning",
    "subscription",
    "password",
    "firewall",
    "storage",
]


def message(client: int, n: int, reply_to: str | None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = SENDERS[client % len(SENDERS)], "support@democloud.example.com"
    topic = " ".join(WORDS[(client * 7 + n * k) % len(WORDS)] for k in (1, 3, 5))
    msg["Subject"] = f"Re: {topic}" if reply_to else f"Problem with {topic} ({client}-{n})"
    msg["Message-ID"] = f"<bench-{client}-{n}-{time.time_ns()}@partner.example.com>"
    if reply_to:
        msg["In-Reply-To"] = reply_to
    msg.set_content(
        f"Our customer {client}-{n} reports a problem with the {topic}. "
        "We checked the configuration and restarted the service; it still fails."
    )
    return msg.as_bytes()


def client(port: int, number: int, count: int, replies: bool, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    latencies, ids = [], []
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        for n in range(count):
            reply_to = ids[n // 2 % len(ids)] if replies and ids and n % 2 else None
            raw = message(number, n, reply_to)
            start = time.perf_counter()
            smtp.sendmail(SENDERS[number % len(SENDERS)], ["support@democloud.example.com"], raw)
            latencies.append(time.perf_counter() - start)
            if not reply_to:
                ids.append(raw.split(b"Message-ID: ")[1].split(b"\n")[0].strip().decode())
    queue.put(latencies)


def run(port: int, clients: int, per_client: int, replies: bool) -> tuple[float, list[float]]:
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    procs = [
        mp.Process(target=client, args=(port, c, per_client, replies, queue))
        for c in range(clients)
    ]
    start = time.perf_counter()
    for p in procs:
        p.start()
    latencies = [x for _ in procs for x in queue.get()]
    for p in procs:
        p.join()
    return time.perf_counter() - start, latencies


# -- side by side with django-helpdesk: one process each reads a local directory of messages --


def write_messages(folder: Path, count: int) -> list[Path]:
    """Two directories of `count` messages each, the same for both systems: all new tickets;
    then half replies (In-Reply-To a message of the first, which both systems thread by) and
    half new. Each with its own subject and prose (`texts.py`), from the demo partners."""
    new, mix = folder / "1-new", folder / "2-mix"
    new.mkdir(parents=True)
    mix.mkdir()
    ids = []
    for n in range(count):
        subject, body = ticket_text(700_000 + n)
        ids.append(f"<mail-{n}@partner.example.com>")
        (new / f"{n:06d}.eml").write_bytes(mail(n, subject, body, ids[-1], None))
    for n in range(count):
        seed = 800_000 + n
        if n % 2:
            parent = n // 2
            subject, _ = ticket_text(700_000 + parent)
            raw = mail(
                parent, f"Re: {subject}", reply_text(seed), f"<re-{n}@p.example.com>", ids[parent]
            )  # from the sender of the message it answers
        else:
            subject, body = ticket_text(seed)
            raw = mail(n, subject, body, f"<mix-{n}@partner.example.com>", None)
        (mix / f"{n:06d}.eml").write_bytes(raw)
    return [new, mix]


def mail(n: int, subject: str, body: str, message_id: str, reply_to: str | None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = SENDERS[n % len(SENDERS)], "support@democloud.example.com"
    msg["Subject"], msg["Message-ID"] = subject, message_id
    if reply_to:
        msg["In-Reply-To"] = msg["References"] = reply_to
    msg.set_content(body)
    return msg.as_bytes()


def drive(directories: list[str]) -> int:
    """In this process (Tierdesk's environment): `tierdesk.intake.mail.ingest` over each
    directory's files in order, as `tierdesk mail ingest DIR/*` does; one JSON line."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
    django.setup()
    from django.db import connection

    from tierdesk import clock
    from tierdesk.intake.mail import ingest
    from tierdesk.persistence.models import InboundMessage, Ticket

    ingest(mail(0, "Warm-up", "Warming up the process before the clock starts.", "<w@x>", None),
           source="file", now=clock.now())  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    runs = []
    for directory in directories:
        files = sorted(Path(directory).iterdir())
        db0, cpu0, start = backend_cpu(backend), own_cpu(), time.perf_counter()
        for path in files:
            ingest(path.read_bytes(), source="file", now=clock.now())
        seconds = time.perf_counter() - start
        runs.append(
            {"messages": len(files), "seconds": seconds, "cpu": own_cpu() - cpu0,
             "db_cpu": backend_cpu(backend) - db0}
        )  # fmt: skip
    outcomes = dict(
        InboundMessage.objects.values_list("outcome").annotate(n=django.db.models.Count("id"))
    )
    print(json.dumps({"runs": runs, "tickets": Ticket.objects.count(), "outcomes": outcomes}))
    return 0


def backend_cpu(pid: int) -> float:
    """CPU seconds of one PostgreSQL backend (same machine), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_tierdesk(url: str, folders: list[Path], present: int = 0) -> dict:  # type: ignore[type-arg]
    env = demo_database(url, "mail-peer", TIERDESK_MAIL_THROTTLE_COUNT="1000000")
    if present:
        load_tickets(url, present)
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), __file__, "--drive", *map(str, folders)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run_peer(url: str, folders: list[Path]) -> dict:  # type: ignore[type-arg]
    from peers import django_helpdesk as peer

    peer.prepare(url)
    out = subprocess.run(
        [str(peer.ensure_venv()), str(peer.HERE / "helpdesk_intake.py"), *map(str, folders)],
        env=peer.environment(url), check=True, capture_output=True, text=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def load_tickets(url: str, count: int, analyse: bool = True) -> None:
    """`count` tickets of a year for the partner the messages come from, generated in the
    database as the report benchmark does (targets and spans included), then analysed."""
    from reports import SPANS, TARGETS, TICKETS, YEAR

    with psycopg.connect(url) as conn:
        org, user = conn.execute(
            "SELECT o.id, u.id FROM tierdesk_organisation o JOIN tierdesk_user u "
            "ON u.organisation_id = o.id WHERE o.slug = 'northwind' LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM tierdesk_ticket").fetchone()[0]  # type: ignore[index]
        conn.execute(
            TICKETS, {"first": first, "org": org, "user": user, "n": count, "start": YEAR[0]}
        )
        conn.execute(TARGETS, {})
        conn.execute(SPANS, {})
        # The generated rows carry their own ids: the desk's next ticket takes the one after.
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('tierdesk_ticket', 'id'), max(id)) "
            "FROM tierdesk_ticket"
        )
        conn.commit()
        conn.autocommit = True
        for table in ("ticket", "tickettarget", "ticketspan") if analyse else ():
            conn.execute(f"VACUUM ANALYZE tierdesk_{table}")  # type: ignore[arg-type]


def rate(run: dict) -> float:  # type: ignore[type-arg]
    return float(run["messages"] / run["seconds"])


def cpu_ms(run: dict) -> str:  # type: ignore[type-arg]
    per = 1000 / run["messages"]
    return f"{run['cpu'] * per:.1f} + {run['db_cpu'] * per:.1f}"


def main_peer(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    work = Path(tempfile.mkdtemp(prefix="tierdesk-mail-peer-"))
    master = write_messages(work / "messages", args.messages)
    names = ("new tickets", "half replies, half new")
    ratios: dict[str, list[float]] = {name: [] for name in names}
    rows: dict[str, list[str]] = {name: [] for name in names}
    peer_url = args.database_url + "_peer"  # beside the given one, so two runs do not collide
    for pair in range(1, args.pairs + 1):
        results = {}
        for side in ("tierdesk", "django-helpdesk"):
            copy = work / f"{side}-{pair}"
            folders = [Path(shutil.copytree(f, copy / f.name)) for f in master]
            if side == "tierdesk":
                results[side] = run_tierdesk(args.database_url, folders)
            else:
                results[side] = run_peer(peer_url, folders)
        for i, name in enumerate(names):
            ours, theirs = results["tierdesk"]["runs"][i], results["django-helpdesk"]["runs"][i]
            ratio = rate(ours) / rate(theirs)
            ratios[name].append(ratio)
            rows[name].append(
                f"| {pair} | {rate(ours):.0f} | {cpu_ms(ours)} | {rate(theirs):.0f} | "
                f"{cpu_ms(theirs)} | {ratio:.2f}x |"
            )
        print(f"pair {pair}: {json.dumps(results)}", file=sys.stderr, flush=True)
    load = os.getloadavg()
    print(machine())
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for name in names if args.pairs else ():
        print(f"\n**{name}** ({args.messages} messages)\n")
        print("| pair | tierdesk msg/s | CPU ms (intake + PostgreSQL) | django-helpdesk msg/s "
              "| CPU ms (intake + PostgreSQL) | ratio |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|")
        print("\n".join(rows[name]))
        print(f"\nmedian ratio {name}: {statistics.median(ratios[name]):.2f}x")
    if args.present:
        print("\n**Tierdesk alone, with tickets already present**\n")
        print("| tickets present | run | msg/s | CPU ms (intake + PostgreSQL) |")
        print("|---:|---|---:|---:|")
        for present in args.present:
            copy = work / f"present-{present}"
            folders = [Path(shutil.copytree(f, copy / f.name)) for f in master]
            result = run_tierdesk(args.database_url, folders, present=present)
            for name, run in zip(names, result["runs"], strict=True):
                print(f"| {present:,} | {name} | {rate(run):.0f} | {cpu_ms(run)} |", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_mail_bench"
    )
    parser.add_argument("--peer", action="store_true", help="side by side with django-helpdesk")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument(
        "--present",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[],
        help="also run Tierdesk alone with these numbers of tickets present, e.g. 1000,1000000 "
        "(with --peer --pairs 0: only these)",
    )
    parser.add_argument("--drive", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        return drive(args.drive)
    if args.peer:
        return main_peer(args)
    fresh_database(args.database_url)
    env = {
        **os.environ,
        "TIERDESK_DATABASE_URL": args.database_url,
        "TIERDESK_DATA_DIR": tempfile.mkdtemp(prefix="tierdesk-mail-bench-"),
        "TIERDESK_MAIL_THROTTLE_COUNT": "1000000",
    }
    bin_ = str(ROOT / ".venv" / "bin" / "tierdesk")
    for command in (["migrate"], ["demo"]):
        subprocess.run([bin_, *command], env=env, check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [bin_, "mail", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        run(port, 1, 20, False)  # warm-up
        per = args.messages // args.clients
        new_seconds, new_lat = run(port, args.clients, per, False)
        mix_seconds, mix_lat = run(port, args.clients, per, True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with psycopg.connect(args.database_url) as conn:
        outcomes = dict(
            conn.execute(
                "SELECT outcome, count(*) FROM tierdesk_inboundmessage GROUP BY outcome"
            ).fetchall()
        )
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    print(machine(f"PostgreSQL {version}"))
    print("| run | messages | messages/s | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, lat in (
        ("new tickets", new_seconds, new_lat),
        ("half replies, half new", mix_seconds, mix_lat),
    ):
        q = statistics.quantiles(lat, n=100)
        print(
            f"| {name} | {len(lat)} | {len(lat) / seconds:.0f} | {q[49] * 1000:.1f} | {q[94] * 1000:.1f} |"
        )
    print(f"\noutcomes stored: {outcomes}")
    print("aim: at least 100 messages per second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
