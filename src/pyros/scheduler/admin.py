from django.contrib import admin

from pyros.scheduler.models import ReplanRequest, Schedule, ScheduleEntry, ScheduleRejection


class EntryInline(admin.TabularInline):
    model = ScheduleEntry
    extra = 0


class RejectionInline(admin.TabularInline):
    model = ScheduleRejection
    extra = 0


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("id", "night_start", "created_at", "reason", "solver", "objective",
                    "end_of_night")
    list_filter = ("end_of_night", "solver")
    inlines = [EntryInline, RejectionInline]


@admin.register(ReplanRequest)
class ReplanRequestAdmin(admin.ModelAdmin):
    list_display = ("at", "reason", "source", "consumed_at")
