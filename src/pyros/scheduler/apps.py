from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "pyros.scheduler"
    label = "scheduler"
    verbose_name = "Scheduler"
