from django.urls import path

from pyros.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("health/", views.health, name="health"),
    path("api/status/", views.api_status, name="api-status"),
]
