"""The `tierdesk` command: one table of subcommands, each a thin call into the desk."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tierdesk.domain.profiles import Profile
    from tierdesk.jobs.scheduler_lock import SchedulerLock
from datetime import timedelta

from tierdesk.config.env import ConfigError

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
    import django

    django.setup()


def command(
    name: str,
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    def register(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = fn
        return fn

    return register


def _metrics_directory() -> str:
    """gunicorn's workers count requests in files here, summed by /metrics (prometheus_client's
    multiprocess mode). On this machine's own disk, one per server, removed when it stops; never
    in the data directory, which several machines may share."""
    import tempfile

    directory = tempfile.mkdtemp(prefix="tierdesk-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    return directory


def _web_worker_started(worker: object) -> None:
    from tierdesk.actions.heartbeats import WEB, pulse

    pulse(WEB).start()


def _web_worker_stopping(server: object, worker: object) -> None:
    from tierdesk.actions.heartbeats import WEB, pulse

    pulse(WEB).stop()  # stopped on purpose: no stale heartbeat left behind


def _web_worker_exited(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(getattr(worker, "pid", 0))


@command("serve")
def serve(args: argparse.Namespace) -> int:
    metrics = _metrics_directory()
    _setup()
    from django.core.management import call_command
    from gunicorn.app.base import BaseApplication

    call_command("collectstatic", interactive=False, verbosity=0)

    from django.conf import settings

    # Without a broker the live sockets share one process's memory, so one worker serves them
    # all (it is asynchronous: the sockets wait without threads, the pages run in its threads).
    workers = args.workers if settings.TIERDESK["BROKER_URL"] else 1

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "uvicorn_worker.UvicornWorker")
            self.cfg.set("accesslog", "-" if args.access_log else None)
            self.cfg.set("timeout", settings.TIERDESK["WEB_TIMEOUT"])
            # Several desks (or a benchmark beside a running desk) share a machine: no shared socket.
            self.cfg.set("control_socket_disable", True)
            # Each web worker writes its heartbeat (`tierdesk status`, /metrics).
            self.cfg.set("post_worker_init", _web_worker_started)
            self.cfg.set("worker_exit", _web_worker_stopping)
            self.cfg.set("child_exit", _web_worker_exited)
            # A worker forked from this process must not hold the scheduler's pipe open, or a
            # killed server would leave the scheduler running as long as an orphaned worker.
            self.cfg.set("post_fork", _close_in_worker)

        def load(self) -> object:
            from tierdesk.config.asgi import application

            return application

    scheduler = None
    held: list[int] = []

    def _close_in_worker(server: object, worker: object) -> None:
        for fd in held:
            os.close(fd)

    if not args.no_scheduler and not settings.TIERDESK["BROKER_URL"]:
        # The scheduler watches this pipe and stops when this process is gone, however it went,
        # so a killed server leaves no scheduler holding the desk's scheduler lock.
        watch_fd, _alive = os.pipe()
        held.append(_alive)
        scheduler = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "tierdesk", "scheduler", "--parent-fd", str(watch_fd)],
            pass_fds=(watch_fd,),
        )
    print(
        f"Tierdesk serving on http://{args.host}:{args.port}/ (API docs at /api/v1/docs)",
        flush=True,
    )
    try:
        Server().run()
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=10)
        import shutil

        shutil.rmtree(metrics, ignore_errors=True)
    return 0


@command("scheduler")
def scheduler(args: argparse.Namespace) -> int:
    """Celery beat when TIERDESK_BROKER_URL is set; otherwise the jobs run in this process. One
    per desk: a second refuses to start (or, with --wait, waits to take over)."""
    _setup()
    import logging

    from django.conf import settings

    from tierdesk.jobs.scheduler_lock import SchedulerLock

    log = logging.getLogger("tierdesk.scheduler")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.parent_fd is not None:
        from tierdesk.mail.sources.supervisor import watch_parent

        watch_parent(args.parent_fd, stop)
    lock = SchedulerLock()
    if not lock.acquire():
        holder = lock.holder()
        if not args.wait:
            message = (
                f"another scheduler is running for this desk: {holder}. Refusing to start a "
                "second one (it would double the load); stop that one first, or start this one "
                "with --wait to take over when it stops."
            )
            log.error(message)
            print(f"error: {message}", file=sys.stderr, flush=True)
            return 1
        log.warning("another scheduler is running (%s); waiting to take over", holder)
        while not lock.acquire():
            if stop.wait(settings.TIERDESK["SCHEDULER_INTERVAL"]):
                return 0
        log.warning("took over as the desk's scheduler")
    from tierdesk.actions.heartbeats import SCHEDULER, pulse

    beating = pulse(SCHEDULER).start()
    try:
        return _run_scheduler(lock, stop)
    finally:
        beating.stop()
        lock.release()


def _run_scheduler(lock: SchedulerLock, stop: threading.Event) -> int:
    import logging

    from django.conf import settings
    from django.db import close_old_connections

    log = logging.getLogger("tierdesk.scheduler")
    interval = settings.TIERDESK["SCHEDULER_INTERVAL"]
    lost = threading.Event()

    def still_ours() -> bool:
        if lock.check():
            return True
        log.critical(
            "another scheduler took the lock while this one's database session was lost: %s; "
            "stopping this one",
            lock.holder(),
        )
        lost.set()
        return False

    if settings.TIERDESK["BROKER_URL"]:
        from tierdesk.config.celery_app import app

        def watch() -> None:
            while not stop.wait(interval):
                if not still_ours():
                    os.kill(os.getpid(), signal.SIGTERM)  # beat shuts down on SIGTERM
                    return

        threading.Thread(target=watch, name="scheduler-lock", daemon=True).start()
        try:
            app.start(["beat", "--loglevel=INFO"])
        except SystemExit as exc:  # beat ends by SystemExit, on SIGTERM too
            if exc.code not in (None, 0):
                raise
        finally:
            stop.set()
        return 1 if lost.is_set() else 0

    from tierdesk import clock
    from tierdesk.config.schedule import JOBS
    from tierdesk.jobs.scheduler import Scheduler

    def before_tick() -> None:
        # Long-lived process: drop database connections that died or aged out before each tick.
        close_old_connections()
        if not still_ours():
            stop.set()

    Scheduler(JOBS, clock.SystemClock()).run_forever(stop, interval, before_tick=before_tick)
    return 1 if lost.is_set() else 0


@command("worker")
def worker(args: argparse.Namespace) -> int:
    """A Celery worker for the sweep and the outbox (scale-out mode)."""
    _setup()
    from django.conf import settings

    if not settings.TIERDESK["BROKER_URL"]:
        print(
            "error: set TIERDESK_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to run workers; without a "
            "broker, `tierdesk serve` runs the jobs in-process",
            file=sys.stderr,
        )
        return 1
    from tierdesk.config.celery_app import app

    argv = ["worker", "--loglevel=INFO", f"--concurrency={args.concurrency}", "-Q", "tierdesk"]
    if args.pool:
        argv.append(f"--pool={args.pool}")
    if args.hostname:
        argv.append(f"--hostname={args.hostname}")
    app.worker_main(argv)
    return 0


@command("migrate")
def migrate(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    fresh = not executor.loader.applied_migrations
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    from tierdesk import clock, profiles
    from tierdesk.actions.status import sync_services

    # The status page lists the services the profile names; new ones appear with each migrate.
    added = sync_services(profiles.active(), clock.now())
    if fresh and pending:
        done = f"created the database ({pending} migrations applied)"
    elif pending:
        done = f"applied {pending} migration{'s' if pending > 1 else ''}"
    else:
        done = "database is up to date"
    print(done + (f"; {added} status-page services added" if added else ""))
    return 0


@command("demo")
def demo(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.cli.demo import load_demo

    return load_demo(port=args.port)


@command("createadmin")
def createadmin(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk import clock
    from tierdesk.actions.people import create_organisation, create_user
    from tierdesk.domain.errors import Invalid
    from tierdesk.domain.parties import OrganisationKind, Role
    from tierdesk.persistence.models import Organisation

    password = os.environ.get("TIERDESK_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    provider = Organisation.objects.filter(kind=OrganisationKind.PROVIDER).first()
    try:
        if provider is None:
            from tierdesk import profiles

            provider = create_organisation(
                name=profiles.active().provider_name,
                kind=OrganisationKind.PROVIDER,
                now=clock.now(),
            )
        create_user(
            username=args.username,
            email=args.email,
            organisation=provider,
            role=Role.ADMINISTRATOR,
            password=password,
            now=clock.now(),
        )
    except Invalid as exc:
        return _refused(exc)
    print(f"administrator {args.username} created")
    return 0


def _refused(exc: Exception) -> int:
    fields = getattr(exc, "fields", {})
    print(f"error: {exc}", file=sys.stderr)
    for name, message in fields.items():
        print(f"  {name}: {message}", file=sys.stderr)
    return 1


@command("token create")
def token_create(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk import clock
    from tierdesk.actions.tokens import issue_token
    from tierdesk.domain.errors import Invalid
    from tierdesk.persistence.models import User

    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        print(f"error: no active user {args.user!r}", file=sys.stderr)
        return 1
    now = clock.now()
    expires = now + timedelta(days=args.expires_days) if args.expires_days else None
    try:
        # Logged as the owner's own change: whoever runs this holds the desk's shell.
        issued = issue_token(
            actor=user,
            owner=user,
            name=args.name,
            now=now,
            expires_at=expires,
            scope=args.scope or "",
        )
    except Invalid as exc:
        return _refused(exc)
    print(issued.secret)
    print(
        f"token {issued.token.key_id} for {user.username}; it is shown once, keep it now",
        file=sys.stderr,
    )
    return 0


@command("token revoke")
def token_revoke(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk import clock
    from tierdesk.actions.tokens import may_sign_in, withdraw_token
    from tierdesk.domain.errors import DomainError
    from tierdesk.persistence.models import User

    user = User.objects.filter(username=args.user).select_related("organisation").first()
    if user is None:
        print(f"error: no user {args.user!r}", file=sys.stderr)
        return 1
    # A deactivated owner's token is still revoked, by an administrator then.
    acting = user
    if not may_sign_in(user):
        acting = (
            User.objects.filter(role="administrator", is_active=True).order_by("pk").first() or user
        )
    try:
        withdraw_token(actor=acting, key_id=args.key_id, now=clock.now())
    except DomainError as exc:
        return _refused(exc)
    print(f"token {args.key_id} revoked")
    return 0


@command("audit verify")
def audit_verify(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.queries.audit import verify

    result = verify(args.ticket)
    if args.ticket and result.tickets == 0:
        print(f"error: no ticket {args.ticket}", file=sys.stderr)
        return 1
    for run in result.rechainings:
        print(
            f"re-chained: the hashes were re-computed at migration {run.migration} on "
            f"{run.at:%Y-%m-%d %H:%M} UTC: {run.tickets} tickets, {run.events} events, from the "
            f"previous heads with digest {run.previous_heads}"
            + (f"; {run.left_broken} broken chains left as found" if run.left_broken else "")
        )
        if run.head is not None:
            seq, previous, head = run.head
            print(f"  {args.ticket}: head at event {seq} was {previous}, re-chained to {head}")
    for r in result.redactions:
        print(
            f"redacted: {r.ticket} event {r.event} ({r.part}) by {r.by} on "
            f"{r.at:%Y-%m-%d %H:%M} UTC, recorded as event {r.seq}: {r.reason}"
        )
    if result.broken is not None:
        print(f"broken: {result.broken}")
        return 1
    redacted = f", {len(result.redactions)} redactions" if result.redactions else ""
    print(f"ok: {result.tickets} tickets, {result.events} events{redacted}, every chain intact")
    return 0


@command("audit redact")
def audit_redact(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk import clock
    from tierdesk.actions.redaction import redact
    from tierdesk.domain.errors import DomainError
    from tierdesk.persistence.models import User

    user = User.objects.filter(username=args.user).first()
    if user is None:
        print(f"error: no user {args.user!r}", file=sys.stderr)
        return 1
    try:
        event = redact(
            actor=user,
            number=args.ticket,
            seq=args.event,
            part=args.part,
            reason=args.reason,
            now=clock.now(),
        )
    except DomainError as exc:
        return _refused(exc)
    print(
        f"redacted: {args.ticket} event {args.event} ({args.part}), recorded as event {event.seq}"
    )
    return 0


def _profile_or_report(name: str) -> Profile | None:
    """A profile by name or path, or None after printing every problem with its key path."""
    from tierdesk import profiles
    from tierdesk.domain.profiles import ProfileError

    try:
        return profiles.load_file(profiles.locate(name))
    except ProfileError as exc:
        print(f"{exc.source}: {len(exc.problems)} problem(s)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return None


@command("profile check")
def profile_check(args: argparse.Namespace) -> int:

    profile = _profile_or_report(args.profile)
    if profile is None:
        return 1
    print(
        json.dumps(
            {
                "profile": profile.name,
                "version": profile.version,
                "digest": profile.digest,
                "ok": True,
            }
        )
    )
    return 0


@command("profile list")
def profile_list(args: argparse.Namespace) -> int:
    from tierdesk import profiles
    from tierdesk.domain.profiles import ProfileError

    for name in profiles.builtin_names():
        try:
            p = profiles.load(name)
            print(f"{name:<16} {p.version:<8} {p.description}")
        except ProfileError as exc:
            print(f"{name:<16} broken: {len(exc.problems)} problem(s)")
    return 0


@command("profile show")
def profile_show(args: argparse.Namespace) -> int:
    from tierdesk.profiles.show import profile_data

    years = None
    if args.years:
        try:
            first, _, last = args.years.partition("-")
            years = range(int(first), int(last or first) + 1)
        except ValueError:
            print(
                f"error: --years {args.years!r} is not a year or a range such as 2026-2027",
                file=sys.stderr,
            )
            return 1
    profile = _profile_or_report(args.profile)
    if profile is None:
        return 1
    print(json.dumps(profile_data(profile, years), indent=2, ensure_ascii=False))
    return 0


@command("sla due")
def sla_due(args: argparse.Namespace) -> int:
    from datetime import datetime

    from tierdesk import profiles
    from tierdesk.domain.profiles import ProfileError
    from tierdesk.domain.sla import ClockEvent, clocks

    try:
        profile = profiles.load_file(profiles.locate(args.profile))
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    severity = profile.severity_key(args.severity)
    if severity is None:
        print(
            f"error: --severity {args.severity!r} is not one of {', '.join(profile.severities)}",
            file=sys.stderr,
        )
        return 1
    try:
        opened: datetime | None = datetime.fromisoformat(args.opened)
    except ValueError:
        opened = None
    if opened is None or opened.tzinfo is None:
        print(
            f"error: --opened {args.opened!r} is not an ISO 8601 instant with a time zone",
            file=sys.stderr,
        )
        return 1
    created = ClockEvent(
        opened,
        "created",
        {
            "severity": severity,
            "status": profile.initial_status,
            "language": profile.languages.standard,
        },
    )
    state = clocks(profile, [created], opened)
    rows = []
    for t in state.targets:
        zone = profile.calendars.get(t.calendar, profile.calendars[profile.default_calendar]).zone
        due = t.due.astimezone(zone) if t.due else None
        rows.append(
            {
                "target": t.key,
                "due": due.isoformat() if due else None,
                "calendar": t.calendar,
                "business_seconds": t.limit_seconds,
            }
        )
    if args.json:
        print(
            json.dumps(
                {
                    "profile": profile.name,
                    "severity": severity,
                    "opened": opened.isoformat(),
                    "targets": rows,
                }
            )
        )
    else:
        print(
            f"{profile.name} · {profile.severities[severity].label} · opened {opened.isoformat()}"
        )
        for row in rows:
            hours = int(row["business_seconds"] or 0) / 3600
            print(
                f"  {row['target']:<16} due {row['due']}  ({hours:g} business hours on {row['calendar']})"
            )
    return 0


@command("sla explain")
def sla_explain(args: argparse.Namespace) -> int:
    _setup()
    from datetime import datetime

    from tierdesk import clock, profiles
    from tierdesk.domain.sla import clocks
    from tierdesk.persistence.clocks import clock_events
    from tierdesk.persistence.models import Ticket

    ticket = Ticket.objects.filter(number=args.number).first()
    if ticket is None:
        print(f"error: no ticket {args.number}", file=sys.stderr)
        return 1
    profile = profiles.for_ticket(ticket.profile)
    now = clock.now()
    state = clocks(profile, clock_events(ticket), now)
    print(f"{ticket.number} · {ticket.subject}")
    print(
        f"profile {ticket.profile} {ticket.profile_version} · severity {state.severity} · as of {now.isoformat()}"
    )
    for t in state.targets:
        zone = profile.calendars.get(t.calendar, profile.calendars[profile.default_calendar]).zone

        def local(instant: datetime | None, zone: object = zone) -> str:
            return instant.astimezone(zone).strftime("%a %d %b %Y %H:%M") if instant else "-"  # type: ignore[arg-type]

        print(f"\n{t.label} [{t.state}]")
        print(f"  {t.why}")
        print(
            f"  started {local(t.started_at)}; due {local(t.due)}; met {local(t.met_at)}; "
            f"breached {local(t.breached_at)}"
        )
        for s in t.stretches:
            what = f"counts {s.business_seconds / 3600:.2f} business hours" if s.running else s.why
            print(f"    {local(s.start)} -> {local(s.end)}: {what}")
    if state.next_deadline:
        d = state.next_deadline
        print(f"\nnext deadline: {d.kind} of {d.target} at {d.at.isoformat()}")
    return 0


@command("language check")
def language_check(args: argparse.Namespace) -> int:
    """JSON lines {"text"} in, {"language", "decision"} out, under the deployment's profile."""
    from tierdesk import profiles
    from tierdesk.domain.language import decide
    from tierdesk.language import detect

    profile = profiles.load(os.environ.get("TIERDESK_PROFILE") or "demo")
    failures = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (ValueError, KeyError, TypeError) as exc:
            failures += 1
            print(
                json.dumps(
                    {"line": number, "error": f"expected a JSON object with a text field ({exc})"}
                )
            )
            continue
        decision = decide(profile, detect(text))
        print(
            json.dumps({"language": decision.language, "decision": decision.decision}), flush=True
        )
    return 1 if failures else 0


@command("simulate")
def simulate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tierdesk.cli.simulate import ScenarioError, load_scenario, run

    try:
        text = (
            sys.stdin.read()
            if args.scenario == "-"
            else Path(args.scenario).read_text(encoding="utf-8")
        )
        scenario = load_scenario(text)
    except (OSError, UnicodeDecodeError, ScenarioError) as exc:
        print(f"error: {args.scenario}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(run(scenario), indent=2, ensure_ascii=False))
    return 0


@command("mail ingest")
def mail_ingest(args: argparse.Namespace) -> int:
    """Raw messages from files (or standard input) through intake; one JSON line each."""
    _setup()
    from pathlib import Path

    from tierdesk import clock
    from tierdesk.intake.mail import ingest

    sources = args.files or ["-"]
    for name in sources:
        try:
            raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            print(
                json.dumps({"source": name, "outcome": "error", "ticket": None, "reason": str(exc)})
            )
            continue
        result = ingest(raw, source="file" if name != "-" else "stdin", now=clock.now())
        print(json.dumps({**result.as_json(), "source": name}), flush=True)
    return 0


@command("mail serve")
def mail_serve(args: argparse.Namespace) -> int:
    """An SMTP (or LMTP) listener for the provider's mail server to deliver to."""
    _setup()
    from tierdesk.actions.heartbeats import MAIL, pulse
    from tierdesk.mail.sources.smtp import serve_forever

    beating = pulse(MAIL).start()
    try:
        serve_forever(
            host=args.host,
            port=args.port,
            lmtp=args.lmtp,
            workers=args.workers,
            parent_fd=args.parent_fd,
        )
    finally:
        beating.stop()
    return 0


@command("mail poll")
def mail_poll(args: argparse.Namespace) -> int:
    """Fetch from the IMAP mailboxes in TIERDESK_IMAP_URLS once; one JSON line per message."""
    _setup()
    from datetime import timedelta

    from tierdesk import clock
    from tierdesk.intake.mail import take_up_pending
    from tierdesk.mail.sources.imap import poll_all

    # Whatever an earlier run stored and never decided is decided first.
    for result in take_up_pending(clock.now(), older_than=timedelta(0)):
        print(json.dumps(result.as_json()), flush=True)
    for result in poll_all(now=clock.now()):
        print(json.dumps(result.as_json()), flush=True)
    return 0


@command("mail pending")
def mail_pending(args: argparse.Namespace) -> int:
    """List the messages received and not yet decided, and why; --process decides them now."""
    _setup()
    from datetime import timedelta

    from tierdesk import clock
    from tierdesk.intake.mail import take_up_pending, waiting

    if args.process:
        for result in take_up_pending(clock.now(), older_than=timedelta(0)):
            print(json.dumps(result.as_json()), flush=True)
        return 0
    for item in waiting(clock.now()):
        print(json.dumps(item.as_json(), ensure_ascii=False))
    return 0


@command("mail quarantine")
def mail_quarantine(args: argparse.Namespace) -> int:
    """List quarantined messages, show one, or process one again."""
    _setup()
    from tierdesk import clock
    from tierdesk.intake.mail import process
    from tierdesk.persistence.models import InboundMessage

    held = InboundMessage.objects.filter(outcome=InboundMessage.QUARANTINED)
    if args.show is not None or args.reprocess is not None:
        message = held.filter(pk=args.show if args.show is not None else args.reprocess).first()
        if message is None:
            print("error: no such message in quarantine", file=sys.stderr)
            return 1
        if args.show is not None:
            sys.stdout.write(bytes(message.raw).decode("utf-8", "replace"))
            return 0
        print(json.dumps(process(message, now=clock.now()).as_json()))
        return 0
    for m in held.order_by("-received_at")[:200]:
        print(
            json.dumps(
                {
                    "id": m.pk,
                    "received_at": m.received_at.isoformat(),
                    "sender": m.sender,
                    "subject": m.subject,
                    "reason": m.reason,
                }
            )
        )
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="tierdesk", description="Tierdesk: a support desk for tiered support chains"
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "serve", help="serve the desk (gunicorn with uvicorn workers) and the in-process scheduler"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=int(os.environ.get("TIERDESK_WEB_WORKERS", "2")))
    p.add_argument(
        "--no-scheduler", action="store_true", help="leave background work to Celery workers"
    )
    p.add_argument("--access-log", action="store_true")
    p.set_defaults(handler="serve")

    p = sub.add_parser(
        "scheduler",
        help="Celery beat with a broker; else run the periodic jobs in this process (one per desk)",
    )
    p.add_argument(
        "--wait",
        action="store_true",
        help="when another scheduler runs, wait and take over when it stops (a standby)",
    )
    # Set by `serve` for the scheduler it starts: the pipe to watch for its end.
    p.add_argument("--parent-fd", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler="scheduler")
    p = sub.add_parser(
        "worker", help="a Celery worker for the sweep and the outbox (needs TIERDESK_BROKER_URL)"
    )
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--pool", choices=["prefork", "solo", "threads"], default=None)
    p.add_argument(
        "--hostname",
        default=None,
        help="the worker's name (default celery@HOST); unique per worker, shown by `tierdesk status`",
    )
    p.set_defaults(handler="worker")
    p = sub.add_parser("migrate", help="create or update the database tables")
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(handler="migrate")
    p = sub.add_parser(
        "demo",
        help="load the profile's demo organisations, people and tickets into an empty database",
    )
    p.add_argument("--port", type=int, default=8000, help="the port the printed address names")
    p.set_defaults(handler="demo")
    p = sub.add_parser(
        "createadmin",
        help="create an administrator (password from TIERDESK_ADMIN_PASSWORD or asked)",
    )
    p.add_argument("--username", default="admin")
    p.add_argument("--email", default="")
    p.set_defaults(handler="createadmin")

    token = sub.add_parser("token", help="personal API tokens").add_subparsers(
        dest="action", required=True
    )
    p = token.add_parser("create", help="create a token for a user; printed once")
    p.add_argument("--user", required=True)
    p.add_argument("--name", default="cli")
    p.add_argument("--expires-days", type=int, default=None)
    p.add_argument(
        "--scope",
        choices=["monitoring", "messages"],
        default=None,
        help="a token for one intake only: the Alertmanager receiver or the message webhook",
    )
    p.set_defaults(handler="token create")
    p = token.add_parser("revoke", help="revoke a token by its id")
    p.add_argument("--user", required=True)
    p.add_argument("key_id")
    p.set_defaults(handler="token revoke")

    audit = sub.add_parser("audit", help="the indelible record").add_subparsers(
        dest="action", required=True
    )
    p = audit.add_parser(
        "verify", help="recompute every hash chain; exit 1 at the first broken link"
    )
    p.add_argument("--ticket", default=None, metavar="NUMBER")
    p.set_defaults(handler="audit verify")
    p = audit.add_parser(
        "redact",
        help="remove the text or the file of an event (a person's data, a pasted password); "
        "the redaction is recorded as an event",
    )
    p.add_argument("ticket", metavar="NUMBER")
    p.add_argument("event", type=int, metavar="SEQ", help="the event's number on the ticket")
    p.add_argument("--part", choices=["text", "attachment"], default="text")
    p.add_argument("--reason", required=True)
    p.add_argument("--user", required=True, help="the administrator who removes it")
    p.set_defaults(handler="audit redact")

    prof = sub.add_parser("profile", help="support-process profiles").add_subparsers(
        dest="action", required=True
    )
    p = prof.add_parser(
        "check", help="validate a profile file or shipped profile; exit 1 with every error"
    )
    p.add_argument("profile", metavar="PATH|NAME")
    p.set_defaults(handler="profile check")
    prof.add_parser("list", help="the shipped profiles").set_defaults(handler="profile list")
    p = prof.add_parser("show", help="the resolved profile as JSON, with its calendars' holidays")
    p.add_argument("profile", metavar="PATH|NAME")
    p.add_argument(
        "--years",
        default=None,
        help="holiday years to show, e.g. 2026-2027 (default: this and next)",
    )
    p.set_defaults(handler="profile show")

    p = sub.add_parser(
        "simulate", help="run a scenario (JSON) on a throwaway database with a virtual clock"
    )
    p.add_argument("scenario", metavar="SCENARIO.json", help="a file, or - for standard input")
    p.set_defaults(handler="simulate")

    mail = sub.add_parser("mail", help="e-mail intake").add_subparsers(dest="action", required=True)
    p = mail.add_parser(
        "ingest", help="raw messages from files or standard input; one JSON line each"
    )
    p.add_argument("files", nargs="*", metavar="FILE")
    p.set_defaults(handler="mail ingest")
    p = mail.add_parser("serve", help="an SMTP/LMTP listener feeding intake")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=2525)
    p.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
    p.add_argument(
        "--workers", type=int, default=2, help="listener processes sharing the port (SO_REUSEPORT)"
    )
    # Set by the first listener for the children it supervises: the pipe to watch for its end.
    p.add_argument("--parent-fd", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler="mail serve")
    mail.add_parser(
        "poll", help="fetch once from the IMAP mailboxes in TIERDESK_IMAP_URLS"
    ).set_defaults(handler="mail poll")
    p = mail.add_parser(
        "pending", help="messages received and not decided yet, and why; --process decides them"
    )
    p.add_argument("--process", action="store_true", help="decide every pending message now")
    p.set_defaults(handler="mail pending")
    p = mail.add_parser("quarantine", help="list quarantined messages; --show ID; --reprocess ID")
    p.add_argument("--show", type=int, default=None, metavar="ID")
    p.add_argument("--reprocess", type=int, default=None, metavar="ID")
    p.set_defaults(handler="mail quarantine")

    lang = sub.add_parser("language", help="the language rule").add_subparsers(
        dest="action", required=True
    )
    lang.add_parser(
        "check", help='JSON lines {"text"} on stdin; one {"language", "decision"} line each'
    ).set_defaults(handler="language check")

    sla_cmd = sub.add_parser("sla", help="SLA clocks").add_subparsers(dest="action", required=True)
    p = sla_cmd.add_parser(
        "due", help="each target's due instant for a ticket opened at a given instant"
    )
    p.add_argument("--profile", required=True)
    p.add_argument("--severity", required=True)
    p.add_argument(
        "--opened", required=True, help="ISO 8601 with a time zone, e.g. 2026-03-10T10:00+01:00"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="sla due")
    p = sla_cmd.add_parser(
        "explain", help="a ticket's clock story: stretches, business time, why due when"
    )
    p.add_argument("number")
    p.set_defaults(handler="sla explain")

    from tierdesk.cli.report import add_parser as add_report

    add_report(sub)
    from tierdesk.cli.outbox import add_parser as add_outbox

    add_outbox(sub)
    from tierdesk.cli.status import add_parser as add_status

    add_status(sub)
    from tierdesk.cli.backup import add_parsers as add_backup

    add_backup(sub)
    from tierdesk.cli.admin import add_parsers as add_administration

    add_administration(sub)
    return top


@command("report")
def report(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.cli.report import run

    return run(args)


@command("outbox")
def outbox(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.cli.outbox import run

    return run(args)


@command("status")
def status(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.cli.status import run

    return run(args)


@command("backup")
def backup(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.cli.backup import run_backup

    return run_backup(args)


@command("restore")
def restore(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.cli.backup import run_restore

    return run_restore(args)


@command("admin")
def administration(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.cli.admin import run

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.handler](args)
    except ConfigError as exc:  # a setting that cannot be used: say which, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
