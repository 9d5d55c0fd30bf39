from django.contrib import admin

from pyros.routines.models import Album, Plan, Request, Sequence, Transition


class SequenceInline(admin.TabularInline):
    model = Sequence
    extra = 0
    fields = ("name", "target_name", "ra_deg", "dec_deg", "window_start", "window_end",
              "priority", "status")


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = ("name", "programme", "owner", "created_at", "from_alert")
    list_filter = ("programme", "from_alert")
    inlines = [SequenceInline]


class AlbumInline(admin.TabularInline):
    model = Album
    extra = 0


@admin.register(Sequence)
class SequenceAdmin(admin.ModelAdmin):
    list_display = ("name", "target_name", "request", "status", "priority", "window_start",
                    "window_end")
    list_filter = ("status",)
    inlines = [AlbumInline]


admin.site.register(Album)
admin.site.register(Plan)
admin.site.register(Transition)
