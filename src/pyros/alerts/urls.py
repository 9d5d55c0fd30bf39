"""Pages and API routes of this app (mounted by pyros.urls)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
