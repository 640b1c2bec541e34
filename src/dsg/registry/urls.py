"""Pages of the site registry, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import catalogue_views, policy_views, views
from .policy_export import FORMATS

urlpatterns = [
    path("sites/<int:site_id>/terminals/", views.site_terminals, name="site_terminals"),
    path(
        "sites/<int:site_id>/registry.xlsx",
        views.site_registry_export,
        name="site_registry_export",
    ),
    path("terminals/<int:terminal_id>/set-up/", views.terminal_set_up, name="terminal_set_up"),
    path("media/<int:medium_id>/disposal/", views.medium_disposal, name="medium_disposal"),
    path(
        "media/disposals/<int:medium_disposal_id>/confirm/",
        views.medium_disposal_confirm,
        name="medium_disposal_confirm",
    ),
    path(
        "terminals/<int:terminal_id>/disposal/", views.terminal_disposal, name="terminal_disposal"
    ),
    # The site's enforceable policy, one route per format (the file's name says which).
    *(
        path(
            f"sites/<int:site_id>/policy/{fmt}/",
            policy_views.site_policy_export,
            {"fmt": fmt},
            name=f"site_policy_{fmt}",
        )
        for fmt in FORMATS
    ),
    path(
        "disposals/<int:disposal_id>/confirm/",
        views.terminal_disposal_confirm,
        name="terminal_disposal_confirm",
    ),
    # The provider's software catalogues (§5②): not a company's; every signed-in role reads them.
    path("catalogues/", catalogue_views.catalogue_index, name="catalogues"),
    path(
        "catalogues/<str:kind>/publish/",
        catalogue_views.catalogue_publish,
        name="catalogue_publish",
    ),
    path(
        "catalogues/<str:kind>/v<int:version>/",
        catalogue_views.catalogue_detail,
        name="catalogue_detail",
    ),
    path(
        "catalogues/<str:kind>/v<int:version>/catalogue.xlsx",
        catalogue_views.catalogue_xlsx,
        name="catalogue_xlsx",
    ),
    path(
        "catalogues/<str:kind>/v<int:version>/catalogue.csv",
        catalogue_views.catalogue_csv,
        name="catalogue_csv",
    ),
]
