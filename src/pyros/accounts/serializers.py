"""API shapes of the User Manager."""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from rest_framework import serializers


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$")
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, min_length=8)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    institute = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate_username(self, value: str) -> str:
        if get_user_model().objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("this username is taken")
        return value

    def validate(self, attrs):
        user = get_user_model()(username=attrs["username"], email=attrs["email"])
        password_validation.validate_password(attrs["password"], user)
        return attrs


class ProfileSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(required=False)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    institute = serializers.CharField(required=False, allow_blank=True, max_length=200)
    role = serializers.CharField(read_only=True)
    programmes = serializers.ListField(child=serializers.CharField(), read_only=True)


class PendingUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    institute = serializers.CharField()
    date_joined = serializers.DateTimeField()


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class BalanceSerializer(serializers.Serializer):
    programme = serializers.CharField()
    period = serializers.CharField()
    allocated_s = serializers.FloatField()
    reserved_s = serializers.FloatField()
    debited_s = serializers.FloatField()
    used_s = serializers.FloatField()
    remaining_s = serializers.FloatField()


class ProgrammeSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    priority = serializers.IntegerField()
    members = serializers.ListField(child=serializers.CharField())
    balances = BalanceSerializer(many=True)


class MemberUsageSerializer(serializers.Serializer):
    username = serializers.CharField()
    allocated_s = serializers.FloatField(allow_null=True)
    used_s = serializers.FloatField()
    remaining_s = serializers.FloatField(allow_null=True)


class LedgerRowSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    amount_s = serializers.FloatField()
    reason = serializers.CharField()
    sequence_id = serializers.IntegerField(allow_null=True)
    user = serializers.CharField(allow_null=True)
    used_s = serializers.FloatField()
    remaining_s = serializers.FloatField()


class QuotaReportSerializer(serializers.Serializer):
    balance = BalanceSerializer()
    members = MemberUsageSerializer(many=True)
    ledger = LedgerRowSerializer(many=True)
