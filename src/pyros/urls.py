from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("users/", include("pyros.accounts.urls")),
    path("routines/", include("pyros.routines.urls")),
    path("alerts/", include("pyros.alerts.urls")),
    path("", include("pyros.web.urls")),
]
