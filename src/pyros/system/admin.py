from django.contrib import admin

from pyros.system.models import AgentRun, LogEntry


@admin.register(AgentRun)
class AgentRunAdmin(admin.ModelAdmin):
    list_display = ("name", "host", "pid", "started_at", "last_beat_at", "beats", "ended_at",
                    "exit_reason")
    list_filter = ("name", "host")
    date_hierarchy = "started_at"


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "level_name", "logger", "process", "message")
    list_filter = ("level_name", "logger", "process")
    search_fields = ("message",)
