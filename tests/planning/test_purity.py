"""The scheduling core is pure: importing all of it pulls in no Django."""

from __future__ import annotations

import subprocess
import sys


def test_no_django_in_the_planning_package():
    code = ("import sys, pyros.planning.solver, pyros.planning.cli, pyros.planning.bench, "
            "pyros.planning.instances; "
            "bad = sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('django', 'rest_framework')); "
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
