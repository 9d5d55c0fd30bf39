"""pyros.pipeline.core (and the benchmark) run without Django."""

from __future__ import annotations

import subprocess
import sys


def test_the_core_and_the_bench_import_no_django():
    code = (
        "import importlib, pkgutil, sys\n"
        "import pyros.pipeline.core as core, pyros.pipeline.bench\n"
        "for info in pkgutil.walk_packages(core.__path__, 'pyros.pipeline.core.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework',"
        " 'celery'))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
