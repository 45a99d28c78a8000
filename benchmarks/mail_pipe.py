"""Pipe delivery: a mail server starts `tierdesk mail ingest` for one message on standard input.

A fresh PostgreSQL database with the demo data; then `--runs` deliveries, each a new process
reading one new message (its own Message-ID and prose, so the language rule runs) from stdin and
committing the ticket. Reports the median and the worst wall time and the process's CPU time
(user + system, from the kernel's accounting of the child), first with an empty data-dir cache
and then warm. `--importtime` also prints the slowest imports of one warm delivery.

    .venv/bin/python benchmarks/mail_pipe.py [--runs 10] [--importtime]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_database, machine
from texts import ticket_text

ROOT = Path(__file__).resolve().parent.parent
TIERDESK = str(ROOT / ".venv" / "bin" / "tierdesk")


def message(n: int) -> bytes:
    subject, body = ticket_text(n)
    msg = EmailMessage()
    msg["From"], msg["To"] = "north.user@example.com", "support@democloud.example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<pipe-{n}-{time.time_ns()}@partner.example.com>"
    msg.set_content(body)
    return msg.as_bytes()


def timed(n: int, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one `tierdesk mail ingest` process (rusage of the child)."""
    before = os.times()
    start = time.perf_counter()
    proc = subprocess.run(
        [TIERDESK, "mail", "ingest"], input=message(n), capture_output=True, env=env
    )
    wall = time.perf_counter() - start
    after = os.times()
    if proc.returncode != 0 or b'"outcome": "ticket"' not in proc.stdout:
        raise RuntimeError(f"delivery failed: {proc.stdout!r} {proc.stderr[-2000:]!r}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_pipe_bench"
    )
    args = parser.parse_args()
    # As `make install` and the image leave it: compiled bytecode (a no-op when already there).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", sys.prefix, str(ROOT / "src")],
        check=False,
        capture_output=True,
    )
    env = demo_database(args.database_url, "pipe-bench")
    cache = Path(env["TIERDESK_DATA_DIR"]) / "cache"
    rows = []
    n = 0
    for label, clear in (("cold data-dir cache (first delivery)", True), ("warm", False)):
        walls, cpus = [], []
        for _ in range(1 if clear else args.runs):
            if clear:
                shutil.rmtree(cache, ignore_errors=True)
            n += 1
            wall, cpu = timed(n, env)
            walls.append(wall)
            cpus.append(cpu)
        rows.append(
            (label, len(walls), statistics.median(walls), max(walls), statistics.median(cpus))
        )
    load = os.getloadavg()
    print(machine())
    print(f"load average during the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| delivery | runs | median wall s | worst wall s | median CPU s |")
    print("|---|---:|---:|---:|---:|")
    for label, runs, median, worst, cpu in rows:
        print(f"| {label} | {runs} | {median:.3f} | {worst:.3f} | {cpu:.3f} |")
    print("aim: under 0.5 s")
    if args.importtime:
        n += 1
        python = str(ROOT / ".venv" / "bin" / "python")
        proc = subprocess.run(
            [python, "-X", "importtime", "-m", "tierdesk", "mail", "ingest"],
            input=message(n),
            capture_output=True,
            env=env,
        )
        lines = [
            line.split("|")
            for line in proc.stderr.decode().splitlines()
            if line.startswith("import time:") and "self" not in line
        ]
        top = sorted(lines, key=lambda p: -int(p[1]))[:25]
        print("\nslowest imports (cumulative microseconds):")
        for parts in top:
            print(f"  {int(parts[1]):>9}  {parts[2].rstrip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
