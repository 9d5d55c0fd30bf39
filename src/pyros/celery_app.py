"""The Celery application (pipeline tasks run on workers, on this or other machines)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")

app = Celery("pyros")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
