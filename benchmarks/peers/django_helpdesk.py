"""django-helpdesk, the closest Python peer, set up beside Tierdesk for side-by-side runs.

It is installed from PyPI into its own virtual environment under the benchmarks' work folder
(never committed), served by gunicorn with the worker count and threads Tierdesk's `serve` uses,
on its own PostgreSQL database. The project it runs is `helpdesk_site/` next to this file.

    .venv/bin/python benchmarks/peers/django_helpdesk.py [--port 8798]     # (make bench-peer)

serves a fresh peer in the foreground and prints its API token and queue id.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from common import fresh_database  # noqa: E402

VERSION = "2.6.1"  # the release the figures in BENCHMARKS.md were measured with
WORK = Path(os.environ.get("TIERDESK_BENCH_WORK", "/tmp/tierdesk-bench"))
VENV = WORK / f"django-helpdesk-{VERSION}"
WORKERS, THREADS = 2, 4  # as `tierdesk serve --workers 2` with its default 4 threads


def ensure_venv() -> Path:
    """The peer's virtual environment, created and filled on first use."""
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "gunicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"django-helpdesk=={VERSION}",
                "gunicorn",
                "psycopg[binary]",
            ],
            check=True,
        )
    return python


def environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PEER_DATABASE_URL": url,
        "PEER_DATA_DIR": str(WORK / "helpdesk-data"),
        "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings",
        "PYTHONPATH": str(HERE),
    }


def prepare(url: str) -> dict[str, object]:
    """A fresh database at `url`, migrated, with a staff user's token and a queue."""
    python = ensure_venv()
    fresh_database(url)
    out = subprocess.run(
        [str(python), str(HERE / "helpdesk_setup.py")],
        env=environment(url),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    """gunicorn serving the peer; returns once it answers."""
    server = subprocess.Popen(
        [
            str(VENV / "bin" / "gunicorn"),
            "helpdesk_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--timeout",
            "60",
            "--chdir",
            str(HERE),
        ],
        env=environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(port, "/api/tickets/", {401, 403})
    return server


def wait_ready(port: int, path: str, ok: set[int] | None = None) -> None:
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status in (ok or {200}):
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8798)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_bench_peer"
    )
    args = parser.parse_args()
    setup = prepare(args.database_url)
    server = serve(args.database_url, args.port)
    print(
        f"django-helpdesk {VERSION} on http://127.0.0.1:{args.port}/api/tickets/ "
        f"(Authorization: Token {setup['token']}; queue {setup['queue']})",
        flush=True,
    )
    try:
        server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
