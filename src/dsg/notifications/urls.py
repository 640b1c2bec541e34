"""The health endpoint, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("readyz", views.readyz, name="readyz"),
]
