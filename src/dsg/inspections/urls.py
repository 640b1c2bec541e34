from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("checklists/", views.checklists, name="checklists"),
    path("inspections/<int:inspection_id>/", views.inspection_detail, name="inspection_detail"),
    path(
        "inspections/<int:inspection_id>/checklist/",
        views.inspection_checklist,
        name="inspection_checklist",
    ),
    path(
        "inspections/<int:inspection_id>/checklist.pdf",
        views.inspection_checklist_pdf,
        name="inspection_checklist_pdf",
    ),
    path(
        "inspections/<int:inspection_id>/appointment.ics",
        views.appointment_calendar,
        name="inspection_ics",
    ),
    path(
        "inspections/<int:inspection_id>/record/", views.inspection_record, name="inspection_record"
    ),
    path("inspections/<int:inspection_id>/slots/", views.propose_slots, name="inspection_slots"),
    path("inspections/<int:inspection_id>/pick/", views.pick_slot, name="inspection_pick"),
    path(
        "inspections/<int:inspection_id>/other-dates/",
        views.ask_other_slots,
        name="inspection_other_dates",
    ),
    path("inspections/<int:inspection_id>/finish/", views.finish, name="inspection_finish"),
    path("inspections/<int:inspection_id>/paper/", views.paper_round, name="inspection_paper"),
    path("inspections/<int:inspection_id>/decide/", views.decide, name="inspection_decide"),
    path(
        "deficiencies/<int:deficiency_id>/report/",
        views.report_deficiency,
        name="deficiency_report",
    ),
]
