"""pyros.notices is PURE: importing and using it loads no Django."""

from __future__ import annotations

import subprocess
import sys


def test_notices_import_no_django() -> None:
    code = (
        "import sys, pyros.notices, pyros.notices.cli\n"
        "pyros.notices.parse_notice("
        "b'{\"superevent_id\": \"S1\", \"alert_type\": \"RETRACTION\"}')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework'))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
