"""Writing a file so that no reader ever sees it half-written: the one implementation.

A temporary file beside the target is written, flushed to disk (``fsync``) and renamed onto
the target (``os.replace`` is atomic on POSIX).  Raw frames, pipeline products, the
exchange documents for the IC and the FSC and the alert documents all go through here: a
crash or a retried task leaves either the old file or the new one, never a torn one, and
no temporary file behind.  Pure of Django.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "write_atomically"]


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to; on success it is synced to disk
    and renamed onto ``path``; on any exception it is removed and ``path`` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_atomically(path: Path | str, payload: bytes) -> Path:
    """Write ``payload`` to ``path`` through :func:`atomic_path`."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return Path(path)
