"""REST API of the User Manager (mounted under ``/users/api/``): registration, token,
profile, validation of registrations, programmes and their quota ledger."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response
from rest_framework.views import APIView

from pyros.accounts import actions
from pyros.accounts.ledger import programmes_of
from pyros.accounts.models import Profile, Quota
from pyros.accounts.reports import programme_summary, quota_report
from pyros.accounts.roles import can_validate_users, role_of
from pyros.accounts.serializers import (
    PendingUserSerializer,
    ProfileSerializer,
    ProgrammeSerializer,
    QuotaReportSerializer,
    RegisterSerializer,
    RejectSerializer,
)


class CanValidateUsers(BasePermission):
    message = "only admins (or the programme committee) validate accounts"

    def has_permission(self, request, view) -> bool:
        return can_validate_users(request.user)


def _profile_data(user) -> dict:
    profile, _ = Profile.objects.get_or_create(user=user)
    return {"username": user.username, "email": user.email, "first_name": user.first_name,
            "last_name": user.last_name, "institute": profile.institute, "role": role_of(user),
            "programmes": list(user.programmes.values_list("code", flat=True))}


class RegisterApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=RegisterSerializer, responses={201: ProfileSerializer})
    def post(self, request: ApiRequest) -> Response:
        """Register; the account stays inactive until an admin validates it."""
        ser = RegisterSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        user = actions.register_user(**ser.validated_data)
        return Response(_profile_data(user), status=status.HTTP_201_CREATED)


class MeApi(APIView):
    @extend_schema(responses=ProfileSerializer)
    def get(self, request: ApiRequest) -> Response:
        return Response(_profile_data(request.user))

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request: ApiRequest) -> Response:
        ser = ProfileSerializer(data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        actions.update_profile(request.user, **ser.validated_data)
        return Response(_profile_data(request.user))


class PendingUsersApi(APIView):
    permission_classes = [CanValidateUsers]

    @extend_schema(responses=PendingUserSerializer(many=True))
    def get(self, request: ApiRequest) -> Response:
        """Accounts waiting for validation."""
        return Response([{"id": u.pk, "username": u.username, "email": u.email,
                          "institute": getattr(getattr(u, "profile", None), "institute", ""),
                          "date_joined": u.date_joined} for u in pending_users()])


def pending_users():
    return get_user_model().objects.filter(is_active=False, profile__validated=False) \
        .select_related("profile").order_by("date_joined")


class ValidateUserApi(APIView):
    permission_classes = [CanValidateUsers]

    @extend_schema(request=None, responses=ProfileSerializer)
    def post(self, request: ApiRequest, pk: int) -> Response:
        user = get_object_or_404(pending_users(), pk=pk)
        actions.validate_user(user, by=request.user)
        return Response(_profile_data(user))


class RejectUserApi(APIView):
    permission_classes = [CanValidateUsers]

    @extend_schema(request=RejectSerializer, responses={204: None})
    def post(self, request: ApiRequest, pk: int) -> Response:
        user = get_object_or_404(pending_users(), pk=pk)
        ser = RejectSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        actions.reject_user(user, by=request.user, reason=ser.validated_data.get("reason", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProgrammeListApi(APIView):
    @extend_schema(responses=ProgrammeSerializer(many=True))
    def get(self, request: ApiRequest) -> Response:
        """Your programmes (experts and admins: all) with their quota balances."""
        return Response([programme_summary(p) for p in programmes_of(request.user)])


class QuotaReportApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("period", str, description="period name "
                                                "(default: the most recent)")],
                   responses=QuotaReportSerializer)
    def get(self, request: ApiRequest, code: str) -> Response:
        """Balance, per-member usage and the ledger of a programme's quota."""
        programme = get_object_or_404(programmes_of(request.user), code=code)
        quotas = Quota.objects.filter(programme=programme).select_related("period", "programme")
        if request.query_params.get("period"):
            quotas = quotas.filter(period__name=request.query_params["period"])
        quota = quotas.order_by("-period__start").first()
        if quota is None:
            return Response({"errors": ["period: no quota for this programme and period"]},
                            status=status.HTTP_404_NOT_FOUND)
        return Response(quota_report(quota))
