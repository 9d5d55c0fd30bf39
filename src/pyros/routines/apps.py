from django.apps import AppConfig


class RoutinesConfig(AppConfig):
    name = "pyros.routines"
    label = "routines"
    verbose_name = "Routine requests"
