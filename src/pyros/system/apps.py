from django.apps import AppConfig


class SystemConfig(AppConfig):
    name = "pyros.system"
    label = "system"
    verbose_name = "System (agents, heartbeats, logs)"

    def ready(self) -> None:
        # Bind shared tasks to PyROS's Celery app (broker from settings) in every process.
        import pyros.celery_app  # noqa: F401
