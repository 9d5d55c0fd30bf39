from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "pyros.pipeline"
    label = "pipeline"
    verbose_name = "Pipeline (masters, reduction, burst analysis)"
