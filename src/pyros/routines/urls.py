"""Pages (``/routines/…``) and REST API (``/routines/api/…``) of the Routine Manager."""

from django.urls import path

from pyros.routines import api, views

app_name = "routines"

api_urlpatterns = [
    path("api/requests/", api.RequestListApi.as_view(), name="api-requests"),
    path("api/requests/import/", api.RequestImportApi.as_view(), name="api-import"),
    path("api/requests/<int:pk>/", api.RequestDetailApi.as_view(), name="api-request"),
    path("api/requests/<int:pk>/submit/", api.RequestSubmitApi.as_view(), name="api-submit"),
    path("api/requests/<int:pk>/unsubmit/", api.RequestUnsubmitApi.as_view(),
         name="api-unsubmit"),
    path("api/requests/<int:pk>/cancel/", api.RequestCancelApi.as_view(), name="api-cancel"),
    path("api/requests/<int:pk>/export/", api.RequestExportApi.as_view(), name="api-export"),
    path("api/sequences/<int:pk>/", api.SequenceDetailApi.as_view(), name="api-sequence"),
    path("api/sequences/<int:pk>/cancel/", api.SequenceCancelApi.as_view(),
         name="api-sequence-cancel"),
    path("api/etc/", api.EtcApi.as_view(), name="api-etc"),
]

urlpatterns = [
    path("", views.request_list, name="request-list"),
    path("new/", views.request_new, name="request-new"),
    path("import/", views.request_import, name="request-import"),
    path("etc/", views.etc_page, name="etc"),
    path("<int:pk>/", views.request_detail, name="request-detail"),
    path("<int:pk>/sequences/new/", views.sequence_new, name="sequence-new"),
    path("<int:pk>/submit/", views.request_submit, name="request-submit"),
    path("<int:pk>/unsubmit/", views.request_unsubmit, name="request-unsubmit"),
    path("<int:pk>/cancel/", views.request_cancel, name="request-cancel"),
    path("<int:pk>/delete/", views.request_delete, name="request-delete"),
    path("<int:pk>/export.<str:kind>", views.request_export, name="request-export"),
    path("sequences/<int:pk>/cancel/", views.sequence_cancel, name="sequence-cancel"),
    *api_urlpatterns,
]
