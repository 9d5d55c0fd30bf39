from django.contrib import admin

from pyros.monitoring.models import (
    DeviceStatus,
    ModeChange,
    ObservatoryState,
    StatusSample,
    WeatherSample,
)


@admin.register(ObservatoryState)
class ObservatoryStateAdmin(admin.ModelAdmin):
    list_display = ("mode", "since", "safe_to_observe", "admin_paused", "updated_at")


@admin.register(ModeChange)
class ModeChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "previous", "mode", "by")
    list_filter = ("mode",)


@admin.register(DeviceStatus)
class DeviceStatusAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "blocking", "available", "reason", "updated_at")


@admin.register(StatusSample)
class StatusSampleAdmin(admin.ModelAdmin):
    list_display = ("device", "at", "available", "reason")
    list_filter = ("device",)


@admin.register(WeatherSample)
class WeatherSampleAdmin(admin.ModelAdmin):
    list_display = ("at", "safe")
