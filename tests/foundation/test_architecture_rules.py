"""Rules that keep the architecture honest: one clock, pure algorithms without Django."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "pyros"

#: Reading the system time anywhere but pyros/clock.py breaks the simulated night.
FORBIDDEN_TIME = re.compile(
    r"datetime\.now\(|datetime\.utcnow\(|\btime\.time\(|timezone\.now\(|date\.today\(|"
    r"\btime\.localtime\(|\btime\.gmtime\(\)|Time\.now\("
)

#: Pure packages: algorithms that must run (and be benchmarked) without Django.
PURE = ["pyros.clock", "pyros.config", "pyros.astro.night", "pyros.astro.sky", "pyros.planning",
        "pyros.notices", "pyros.skymodel", "pyros.etc", "pyros.routines.lifecycle",
        "pyros.routines.coords", "pyros.routines.duration", "pyros.routines.spec",
        "pyros.routines.exchange", "pyros.routines.visibility", "pyros.alerts.visibility",
        "pyros.web.sky", "pyros.execution.fits",
        "pyros.execution.focus", "pyros.execution.calibration", "pyros.exchange",
        "pyros.pipeline.core", "pyros.night.scenario", "pyros.monitoring.safety",
        "pyros.monitoring.mode", "pyros.atomicfile"]


def test_nothing_but_the_clock_reads_the_system_time():
    offenders = []
    for path in SRC.rglob("*.py"):
        if path == SRC / "clock.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FORBIDDEN_TIME.search(line.split("#")[0]):
                offenders.append(f"{path.relative_to(SRC.parent)}:{n}: {line.strip()}")
    assert not offenders, "system time read outside pyros.clock:\n" + "\n".join(offenders)


@pytest.mark.parametrize("module", PURE)
def test_pure_packages_do_not_import_django(module):
    code = (f"import importlib.util, sys\n"
            f"try:\n    spec = importlib.util.find_spec({module!r})\n"
            f"except ModuleNotFoundError:\n    spec = None\n"
            f"if spec is None:\n    print('ABSENT'); sys.exit(0)\n"
            f"import {module}\n"
            f"import pkgutil\n"
            f"m = sys.modules[{module!r}]\n"
            f"for info in pkgutil.walk_packages(getattr(m, '__path__', []), {module!r} + '.'):\n"
            f"    if not info.name.endswith(('.cli', '.bench')):\n"
            f"        importlib.import_module(info.name)\n"
            f"print('DJANGO' if 'django' in sys.modules else 'PURE')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    if out.stdout.strip() == "ABSENT":
        pytest.skip(f"{module} is not part of this tree yet")
    assert out.stdout.strip() == "PURE", f"{module} imports Django"
