"""API shapes of the Routine Manager (output, and documentation of the input).

Input documents are validated by :mod:`pyros.routines.spec` (one validator for the API,
the forms and import); the input serializers here document that shape in OpenAPI.
"""

from __future__ import annotations

from rest_framework import serializers

from pyros.routines.models import Album, Plan, Request, Sequence, Transition


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["order", "filter_name", "exposure_s", "count", "dither_arcsec"]


class AlbumSerializer(serializers.ModelSerializer):
    plans = PlanSerializer(many=True, read_only=True)

    class Meta:
        model = Album
        fields = ["channel", "plans"]


class TransitionSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Transition
        fields = ["at", "from_status", "to_status", "reason", "by"]


class SequenceSerializer(serializers.ModelSerializer):
    albums = AlbumSerializer(many=True, read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta:
        model = Sequence
        fields = ["id", "request", "name", "target_name", "ra_deg", "dec_deg", "window_start",
                  "window_end", "max_airmass", "min_moon_separation_deg", "max_seeing_arcsec",
                  "max_moon_illumination", "priority", "allow_postpone", "postponed_count",
                  "repeat_of", "duration_s", "executed_s", "status", "status_reason",
                  "albums", "transitions"]


class RequestSerializer(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    sequences = SequenceSerializer(many=True, read_only=True)

    class Meta:
        model = Request
        fields = ["id", "name", "programme", "owner", "created_at", "submitted_at",
                  "from_alert", "sequences"]


class RequestSummarySerializer(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    statuses = serializers.SerializerMethodField()

    class Meta:
        model = Request
        fields = ["id", "name", "programme", "owner", "created_at", "submitted_at",
                  "from_alert", "statuses"]

    def get_statuses(self, obj: Request) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in obj.sequences.values_list("status", flat=True):
            out[s] = out.get(s, 0) + 1
        return out


# --- input documentation (validated by routines.spec) -----------------------------------------

class PlanInSerializer(serializers.Serializer):
    filter = serializers.CharField(help_text="a filter of the album's channel")
    exposure_s = serializers.FloatField(help_text="within the channel's exposure bounds")
    count = serializers.IntegerField(default=1, min_value=1, max_value=1000)
    dither_arcsec = serializers.FloatField(default=0.0, min_value=0, max_value=600)


class AlbumInSerializer(serializers.Serializer):
    channel = serializers.CharField(help_text="VIS, NIR… (configured channels)")
    plans = PlanInSerializer(many=True)


class SequenceInSerializer(serializers.Serializer):
    name = serializers.CharField()
    target_name = serializers.CharField()
    ra = serializers.CharField(help_text="hh:mm:ss.s or decimal degrees")
    dec = serializers.CharField(help_text="±dd:mm:ss or decimal degrees")
    window_start = serializers.CharField(required=False,
                                         help_text="JD (2461000.5) or ISO date; omit both "
                                                   "ends to compute it from visibility")
    window_end = serializers.CharField(required=False)
    max_airmass = serializers.FloatField(default=2.0)
    min_moon_separation_deg = serializers.FloatField(default=30.0)
    max_seeing_arcsec = serializers.FloatField(required=False, allow_null=True)
    max_moon_illumination = serializers.FloatField(required=False, allow_null=True,
                                                   help_text="0 new … 1 full")
    priority = serializers.IntegerField(default=5, min_value=0, max_value=10)
    allow_postpone = serializers.BooleanField(default=False)
    repeat_days = serializers.IntegerField(default=0, min_value=0, max_value=30)
    albums = AlbumInSerializer(many=True)


class RequestInSerializer(serializers.Serializer):
    name = serializers.CharField()
    programme = serializers.CharField(help_text="programme code (you must be a member)")
    sequences = SequenceInSerializer(many=True)


class ErrorsSerializer(serializers.Serializer):
    errors = serializers.ListField(child=serializers.CharField(),
                                   help_text="'path: message' for each problem")


class SubmitResultSerializer(serializers.Serializer):
    results = serializers.ListField(child=serializers.DictField())


class CountsSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())


class ImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.IntegerField())


class EtcInSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["snr", "exposure"],
                                   help_text="snr: S/N for exposure_s; exposure: time for snr")
    mag = serializers.FloatField(min_value=-5, max_value=35, help_text="AB magnitude")
    filter = serializers.CharField(max_length=16)
    exposure_s = serializers.FloatField(required=False, min_value=0.001, max_value=86400)
    snr = serializers.FloatField(required=False, min_value=0.1, max_value=100000)
    seeing_arcsec = serializers.FloatField(default=1.2, min_value=0.1, max_value=20)
    airmass = serializers.FloatField(default=1.2, min_value=1.0, max_value=10)
    moon_illumination = serializers.FloatField(required=False, allow_null=True, min_value=0,
                                               max_value=1)

    def validate(self, attrs):
        if attrs["mode"] == "snr" and "exposure_s" not in attrs:
            raise serializers.ValidationError({"exposure_s": "required when mode is snr"})
        if attrs["mode"] == "exposure" and "snr" not in attrs:
            raise serializers.ValidationError({"snr": "required when mode is exposure"})
        return attrs


class EtcOutSerializer(serializers.Serializer):
    mode = serializers.CharField()
    channel = serializers.CharField()
    filter_name = serializers.CharField()
    mag = serializers.FloatField()
    exptime_s = serializers.FloatField(allow_null=True)
    snr = serializers.FloatField()
    saturated = serializers.BooleanField()
    within_bounds = serializers.BooleanField()
    max_exposure_s = serializers.FloatField()
    advice = serializers.CharField(allow_blank=True)
    sky_mag_arcsec2 = serializers.FloatField()
    fwhm_arcsec = serializers.FloatField()
