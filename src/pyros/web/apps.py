from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pyros.web"
    label = "web"
    verbose_name = "Web site"
