from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "pyros.alerts"
    label = "alerts"
    verbose_name = "Alerts"
