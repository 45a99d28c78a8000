"""The heartbeats of real processes: `tierdesk serve` (its gunicorn worker and the in-process
scheduler) and the mail listener report to `tierdesk status`, the probes answer, /metrics sums
the requests of both web workers; with a broker, Celery beat and a named worker report too.

Each desk here has its own SQLite database in a temporary directory. Waiting is for the
processes, polled with a deadline; no clock is slept on.
"""

from __future__ import annotations

import json
import os
import smtplib
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.processes import free_port, stop, until

REDIS = os.environ.get("TIERDESK_TEST_REDIS_URL")


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TIERDESK_")
        and k not in ("DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR")
    }
    env.update(
        TIERDESK_DATA_DIR=str(data_dir),
        TIERDESK_PROFILE="demo",
        TIERDESK_HEARTBEAT_SECONDS="1",
        TIERDESK_HEARTBEAT_STALE_SECONDS="60",  # a loaded machine may be slow; still fresh
        TIERDESK_SCHEDULER_INTERVAL="1",
        **extra,
    )
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierdesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _start(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tierdesk", *args],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _until(
    condition: Callable[[], object], timeout: float, what: str, log: Path | None = None
) -> None:
    until(condition, timeout, what, step=0.3, log=log)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _status(env: dict[str, str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    done = _run(env, "status", "--json")
    return done.returncode, json.loads(done.stdout or "{}")


def _beats(data_dir: Path) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    """The heartbeat rows, read straight from the desk's SQLite file while waiting (cheaper than
    starting `tierdesk status` on every poll)."""
    try:
        with sqlite3.connect(data_dir / "tierdesk.sqlite3", timeout=5) as db:
            rows = db.execute("SELECT component, instance, did FROM tierdesk_heartbeat").fetchall()
    except sqlite3.Error:
        return []
    return [(c, i, json.loads(d)) for c, i, d in rows]


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    stop(procs, timeout=30)


@pytest.mark.skipif(
    bool(os.environ.get("TIERDESK_TEST_DATABASE_URL")),
    reason="runs its own SQLite desk: once per CI run is enough (the SQLite pass)",
)
def test_serve_and_the_mail_listener_report_their_heartbeats(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert _run(env, "migrate").returncode == 0
    web, mail = free_port(), free_port()
    log = tmp_path / "serve.log"
    procs = [
        _start(env, log, "serve", "--port", str(web), "--workers", "2"),
        _start(env, tmp_path / "mail.log", "mail", "serve", "--port", str(mail), "--workers", "1"),
    ]
    base = f"http://127.0.0.1:{web}"
    try:
        _until(lambda: _get(f"{base}/health/ready")[0] == 200, 90, "readiness", log)
        _, body = _get(f"{base}/health/ready")
        assert json.loads(body) == {"status": "ok", "checks": {"database": "ok"}}
        for _ in range(10):
            assert _get(f"{base}/health/live")[0] == 200

        def all_up() -> bool:
            beats = _beats(tmp_path)
            webs = [b for b in beats if b[0] == "web"]
            scheduler = [b[2] for b in beats if b[0] == "scheduler"]
            # Without a broker the live sockets share one process's memory: one web worker.
            return len(webs) == 1 and any("sweep" in d and "outbox" in d for d in scheduler)

        _until(all_up, 60, "web, scheduler, sweep and outbox to report", log)

        with smtplib.SMTP("127.0.0.1", mail, timeout=30) as smtp:
            smtp.sendmail(
                "someone@unknown.example",
                ["support@democloud.example.com"],
                b"From: someone@unknown.example\r\nSubject: hello\r\nMessage-ID: <hb-1@x>\r\n\r\nhi\r\n",
            )

        def mail_counted() -> bool:
            return any(
                (did.get("messages") or {}).get("count") == 1
                for component, _, did in _beats(tmp_path)
                if component == "mail"
            )

        _until(mail_counted, 30, "the mail listener to report its message", tmp_path / "mail.log")
        printed = _run(env, "status")
        assert printed.returncode == 0
        assert "scheduler (says when the sweep and the outbox run): up" in printed.stdout
        assert "mail (receives mail (SMTP/LMTP listener)): up" in printed.stdout

        code, metrics = _get(f"{base}/metrics")
        assert code == 200
        served = sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.decode().splitlines()
            if line.startswith("tierdesk_http_requests_total{") and 'method="GET"' in line
        )
        assert served >= 12  # the workers' counts, summed (multiprocess mode)
        assert b'tierdesk_heartbeat_age_seconds{component="scheduler"' in metrics
    finally:
        _stop(procs)
    # Everything stopped on purpose: the scheduler took its heartbeat with it. (The web
    # worker's row, under the ASGI worker, is left to go stale rather than removed.)
    code, data = _status(env)
    assert code == 1
    assert "scheduler: no process has reported" in data["problems"]
    assert [c["component"] for c in data["components"]] == ["web", "scheduler"]


@pytest.mark.skipif(not REDIS, reason="set TIERDESK_TEST_REDIS_URL to run real Celery processes")
def test_celery_beat_and_a_named_worker_report_their_heartbeats(tmp_path: Path) -> None:
    import redis

    redis.Redis.from_url(REDIS).ping()  # configured but unreachable is a failure
    env = _env(tmp_path, TIERDESK_BROKER_URL=REDIS or "")
    assert _run(env, "migrate").returncode == 0
    log = tmp_path / "worker.log"
    procs = [
        _start(env, tmp_path / "beat.log", "scheduler"),
        _start(env, log, "worker", "--pool=solo", "--hostname", "first@desk-test"),
    ]
    try:

        def worker_ran() -> bool:
            return any(
                (component, instance) == ("worker", "first@desk-test")
                and "sweep" in did
                and "outbox" in did
                for component, instance, did in _beats(tmp_path)
            ) and any(component == "scheduler" for component, _, _ in _beats(tmp_path))

        _until(worker_ran, 90, "the named worker to sweep and deliver", log)
        code, data = _status(env)
        problems = data["problems"]
        # No web process runs here; everything else is up.
        assert problems == ["web: no process has reported"], problems
        assert code == 1
    finally:
        _stop(procs)
