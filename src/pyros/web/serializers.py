"""API shapes (documentation of the JSON the API returns, for the OpenAPI schema)."""

from rest_framework import serializers


class AgentStatusSerializer(serializers.Serializer):
    name = serializers.CharField()
    host = serializers.CharField()
    pid = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["alive", "stale", "ended"])
    started_at = serializers.DateTimeField()
    last_beat_at = serializers.DateTimeField()
    age_s = serializers.FloatField(help_text="clock seconds since the last heartbeat")
    ended_at = serializers.DateTimeField(allow_null=True)
    exit_reason = serializers.CharField(allow_blank=True)
    restarts = serializers.IntegerField()
    info = serializers.DictField()


class ModeSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["operational", "paused", "unsafe", "day"])
    reasons = serializers.ListField(child=serializers.CharField())
    since = serializers.DateTimeField()
    safe_to_observe = serializers.BooleanField()
    sky_safe = serializers.BooleanField()
    unavailable_devices = serializers.ListField(child=serializers.CharField())
    admin_paused = serializers.BooleanField()
    paused_by = serializers.CharField(allow_blank=True)
    pause_reason = serializers.CharField(allow_blank=True)


class SequenceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    start = serializers.DateTimeField(required=False, help_text="planned start (next only)")


class SystemStatusSerializer(serializers.Serializer):
    clock = serializers.DictField(help_text="kind, now, speed (and start, epoch if simulated)")
    agents = AgentStatusSerializer(many=True)
    mode = ModeSerializer()
    current_sequence = SequenceRefSerializer(allow_null=True)
    next_sequence = SequenceRefSerializer(allow_null=True)
