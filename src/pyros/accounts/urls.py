"""Pages (``/users/…``) and REST API (``/users/api/…``) of the User Manager."""

from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken

from pyros.accounts import api, views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register-done"),
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.token_regenerate, name="token-regenerate"),
    path("help/", views.help_page, name="help"),
    path("help/dismiss/", views.help_dismiss, name="help-dismiss"),
    path("pending/", views.pending, name="pending"),
    path("<int:pk>/validate/", views.validate, name="validate"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("programmes/", views.programme_list, name="programme-list"),
    path("programmes/<slug:code>/", views.programme_detail, name="programme-detail"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_done, name="password-reset-done"),
    path("password-reset/<uidb64>/<token>/", views.password_reset_confirm,
         name="password-reset-confirm"),
    path("password-reset/complete/", views.password_reset_complete,
         name="password-reset-complete"),
    # REST API
    path("api/register/", api.RegisterApi.as_view(), name="api-register"),
    path("api/token/", ObtainAuthToken.as_view(), name="api-token"),
    path("api/me/", api.MeApi.as_view(), name="api-me"),
    path("api/pending/", api.PendingUsersApi.as_view(), name="api-pending"),
    path("api/<int:pk>/validate/", api.ValidateUserApi.as_view(), name="api-validate"),
    path("api/<int:pk>/reject/", api.RejectUserApi.as_view(), name="api-reject"),
    path("api/programmes/", api.ProgrammeListApi.as_view(), name="api-programmes"),
    path("api/programmes/<slug:code>/quota/", api.QuotaReportApi.as_view(), name="api-quota"),
]
