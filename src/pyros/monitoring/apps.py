from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "pyros.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring and safety"
