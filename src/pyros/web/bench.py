"""``pyros bench web``: requests per second and latency of the status API and the dashboard
under 50 concurrent clients.

A gunicorn (as ``pyros start`` runs it: 2 workers × 4 threads) is started on a free
loopback port with a temporary SQLite database under a temporary ``PYROS_DATA_DIR``,
migrated and loaded with the demo data.  Each of 50 client threads keeps one HTTP
connection (``requests.Session``) and sends requests until the count or the time bound is
reached.  ``/health/`` (one ``SELECT 1``) is measured the same way as the reference:
the ratios say what the pages cost beyond the server's own overhead.  Every page polled
by the live layer costs about as much as ``/api/status/``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from pyros.clock import monotonic

__all__ = ["run"]

CLIENTS = 50
#: Requests per target (full run, quick run) and the wall-time bound per target (s).
REQUESTS = {False: 2000, True: 300}
TIME_BOUND_S = {False: 60.0, True: 20.0}
DEMO_LOGIN = ("admin", "admin-pyros-demo")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pyros(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "pyros.cli", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def _wait_up(base: str, proc: subprocess.Popen, timeout_s: float = 60.0) -> None:
    import requests

    deadline = monotonic() + timeout_s
    while True:
        try:
            if requests.get(f"{base}/health/", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        if monotonic() > deadline:
            raise RuntimeError("gunicorn did not answer within 60 s")
        threading.Event().wait(0.2)


def _login(base: str) -> dict[str, str]:
    """Session cookies of the demo admin (the dashboard needs a login)."""
    import requests

    s = requests.Session()
    s.get(f"{base}/accounts/login/", timeout=10)
    r = s.post(f"{base}/accounts/login/", timeout=10, allow_redirects=False, data={
        "username": DEMO_LOGIN[0], "password": DEMO_LOGIN[1],
        "csrfmiddlewaretoken": s.cookies["csrftoken"]},
        headers={"Referer": f"{base}/accounts/login/"})
    if r.status_code != 302:
        raise RuntimeError(f"demo login failed ({r.status_code})")
    return s.cookies.get_dict()


def load(url: str, total: int, bound_s: float, cookies: dict[str, str] | None = None,
         clients: int = CLIENTS) -> dict[str, Any]:
    """``total`` GETs of ``url`` from ``clients`` threads (stopping at ``bound_s``)."""
    import requests

    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    issued = [0]
    start = monotonic()

    def client() -> None:
        with requests.Session() as s:
            if cookies:
                s.cookies.update(cookies)
            while True:
                with lock:
                    if issued[0] >= total or monotonic() - start > bound_s:
                        return
                    issued[0] += 1
                t0 = monotonic()
                try:
                    ok = s.get(url, timeout=30).status_code == 200
                except requests.RequestException:
                    ok = False
                dt = monotonic() - t0
                with lock:
                    if ok:
                        latencies.append(dt)
                    else:
                        errors[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = monotonic() - start
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [lat[0] if lat else 0.0] * 99
    return {"url": url.split("//", 1)[-1].split("/", 1)[-1], "requests": len(lat),
            "errors": errors[0], "elapsed_s": round(elapsed, 2),
            "rps": round(len(lat) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(q[49] * 1000, 1), "p95_ms": round(q[94] * 1000, 1),
            "max_ms": round((lat[-1] if lat else 0.0) * 1000, 1)}


def run(args: argparse.Namespace) -> int:
    from pyros.supervisor.cli import gunicorn_argv

    quick = bool(getattr(args, "quick", False))
    total, bound = REQUESTS[quick], TIME_BOUND_S[quick]
    with tempfile.TemporaryDirectory(prefix="pyros-bench-web-") as tmp:
        env = {**os.environ, "PYROS_DATA_DIR": tmp, "PYTHONUNBUFFERED": "1"}
        env.pop("PYROS_DATABASE_URL", None)
        _pyros(env, "manage", "migrate", "--noinput", "-v", "0")
        _pyros(env, "manage", "collectstatic", "--noinput", "-v", "0")
        _pyros(env, "demo-data")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        argv = [a for a in gunicorn_argv("127.0.0.1", port, 2) if a not in ("--access-logfile",
                                                                            "-")]
        with Path(tmp, "gunicorn.log").open("w") as log:
            proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                _wait_up(base, proc)
                cookies = _login(base)
                load(f"{base}/api/status/", 100, 10.0)  # warm-up: imports, caches, sockets
                results = [load(f"{base}/health/", total, bound),
                           load(f"{base}/api/status/", total, bound),
                           load(f"{base}/dashboard/", total, bound, cookies),
                           load(f"{base}/dashboard/?part=mode", total, bound, cookies)]
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    ref = results[0]
    for r in results:
        r["rps_vs_health"] = round(r["rps"] / ref["rps"], 2) if ref["rps"] else None
    if getattr(args, "json", False):
        print(json.dumps({"clients": CLIENTS, "results": results}, indent=2))
        return 0
    print(f"web: {CLIENTS} concurrent clients, gunicorn 2 workers x 4 threads, SQLite, "
          f"up to {total} requests or {bound:g} s per URL (reference: /health/)")
    print(f"{'url':28s} {'req':>6s} {'err':>4s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s}"
          f" {'max ms':>8s} {'rps/ref':>8s}")
    for r in results:
        print(f"/{r['url']:27s} {r['requests']:6d} {r['errors']:4d} {r['rps']:8.1f} "
              f"{r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['max_ms']:8.1f} "
              f"{r['rps_vs_health']:8.2f}")
    return 0
