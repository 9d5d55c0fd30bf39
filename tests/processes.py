"""Stopping the real peers tests start (Comet's twistd, indiserver) without leaking them."""

from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen, grace_s: float = 20.0) -> None:
    """SIGTERM, wait ``grace_s`` (twistd takes seconds to shut down on a loaded machine),
    then SIGKILL; always reaped, so no ``Popen.__del__`` warning lands in a later test."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
