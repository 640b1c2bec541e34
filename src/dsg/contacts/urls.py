from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/edit/", views.contacts_edit, name="contacts_edit"),
]
