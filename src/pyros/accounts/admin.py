from django.contrib import admin

from pyros.accounts.models import Period, Profile, Quota, QuotaEntry, ScientificProgramme


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "institute", "validated", "validated_at")
    list_filter = ("validated",)


@admin.register(ScientificProgramme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "priority")
    filter_horizontal = ("members",)


admin.site.register(Period)
admin.site.register(Quota)


@admin.register(QuotaEntry)
class QuotaEntryAdmin(admin.ModelAdmin):
    list_display = ("quota", "at", "kind", "amount_s", "reason")
    list_filter = ("kind",)
