"""Pages of the 年次確認, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import views

ROUND = "annual/rounds/<int:round_id>/"
CONFIRMATION = "annual/confirmations/<int:confirmation_id>/"

urlpatterns = [
    path("annual/", views.annual_home, name="annual_home"),
    path("annual/rounds/new/", views.annual_round_new, name="annual_round_new"),
    path(ROUND, views.annual_round_detail, name="annual_round_detail"),
    path(f"{ROUND}export.csv", views.annual_round_export, name="annual_round_export"),
    path(CONFIRMATION, views.annual_confirmation_detail, name="annual_confirmation_detail"),
    path(
        f"{CONFIRMATION}confirm/",
        views.annual_confirmation_confirm,
        name="annual_confirmation_confirm",
    ),
    path(
        f"{CONFIRMATION}changes/",
        views.annual_confirmation_changes,
        name="annual_confirmation_changes",
    ),
]
