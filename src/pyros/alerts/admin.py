"""Admin pages: strategies are edited here (rules as validated JSON); the rest is read."""

from __future__ import annotations

from django.contrib import admin

from pyros.alerts.models import (
    Alert,
    AlertEventId,
    AlertPosition,
    LatencyChain,
    StoredNotice,
    Strategy,
)


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "updated_at")
    list_filter = ("is_default",)
    search_fields = ("name", "description")
    readonly_fields = ("created_at", "updated_at")


class EventIdInline(admin.TabularInline):
    model = AlertEventId
    extra = 0


class PositionInline(admin.TabularInline):
    model = AlertPosition
    extra = 0
    readonly_fields = ("at", "mission", "instrument", "ra_deg", "dec_deg", "error_radius_deg",
                       "error90_deg", "adopted", "repointed", "notice")
    can_delete = False


class LatencyInline(admin.StackedInline):
    model = LatencyChain
    extra = 0
    can_delete = False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "priority", "trigger_time", "error_radius_deg",
                    "expires_at", "is_preliminary", "disabled")
    list_filter = ("status", "is_preliminary", "disabled")
    search_fields = ("name", "event_ids__event_id")
    inlines = [EventIdInline, PositionInline, LatencyInline]
    raw_id_fields = ("request",)


@admin.register(StoredNotice)
class StoredNoticeAdmin(admin.ModelAdmin):
    list_display = ("received_at", "mission", "event_id", "notice_type", "outcome", "source",
                    "duplicates", "is_test")
    list_filter = ("outcome", "mission", "is_test")
    search_fields = ("ivorn", "event_id", "reason")
    exclude = ("raw",)
    readonly_fields = ("raw_preview",)
    raw_id_fields = ("alert",)

    @admin.display(description="raw notice")
    def raw_preview(self, obj: StoredNotice) -> str:
        return obj.raw_text(20000)


@admin.register(AlertPosition)
class AlertPositionAdmin(admin.ModelAdmin):
    list_display = ("alert", "at", "mission", "instrument", "ra_deg", "dec_deg",
                    "error_radius_deg", "adopted", "repointed")
    raw_id_fields = ("alert", "notice")


@admin.register(LatencyChain)
class LatencyChainAdmin(admin.ModelAdmin):
    list_display = ("alert", "notice_received", "request_created", "slew_commanded",
                    "first_exposure")
    raw_id_fields = ("alert",)
