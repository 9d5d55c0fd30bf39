"""Sky-model tests share measurement helpers in ``skymodel_measure`` (this folder).

The suite runs with ``--import-mode=importlib``, which does not put test folders on
``sys.path``; this conftest does it for this folder only.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
