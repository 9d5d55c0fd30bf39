from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    name = "pyros.execution"
    label = "execution"
    verbose_name = "Execution (majordome, frames)"
