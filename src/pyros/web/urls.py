from django.urls import path

from pyros.web.views import alerts, devices, results, schedule, system, users, weather

urlpatterns = [
    path("", system.home, name="home"),
    path("dashboard/", system.dashboard, name="dashboard"),
    path("dashboard/pause/", system.pause, name="pause"),
    path("dashboard/resume/", system.resume, name="resume"),
    path("live/top/", system.live_top, name="live-top"),
    path("health/", system.health, name="health"),
    path("api/status/", system.api_status, name="api-status"),
    path("devices/", devices.devices, name="devices"),
    path("devices/<slug:name>/", devices.device_detail, name="device-detail"),
    path("telescope/", devices.telescope, name="telescope"),
    path("telescope/<slug:action>/", devices.telescope_action, name="telescope-action"),
    path("weather/", weather.weather, name="weather"),
    path("schedule/", schedule.schedule_tonight, name="schedule"),
    path("schedule/nights/", schedule.schedule_history, name="schedule-history"),
    path("schedule/<int:pk>/", schedule.schedule_detail, name="schedule-detail"),
    path("data/", results.my_data, name="my-data"),
    path("data/sequences/<int:pk>/", results.sequence_data, name="sequence-data"),
    path("data/previews/<int:pk>.png", results.preview, name="preview"),
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/simulate/", alerts.alert_simulate, name="alert-simulate"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert-detail"),
    path("people/", users.users, name="users"),
    path("people/<int:pk>/role/", users.user_role, name="user-role"),
]
