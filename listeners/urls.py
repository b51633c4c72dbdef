from django.urls import path

from listeners import portal, views

app_name = "listeners"

ENROLLMENT = "intakes/<int:intake_pk>/enrollments/<int:pk>/"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("intakes/<int:pk>/enrollments/", views.intake_enrollments, name="intake_enrollments"),
    path("intakes/<int:pk>/enrollments/add/", views.enrollment_add, name="enrollment_add"),
    path("intakes/<int:pk>/enrollments/admit/", views.intake_admit, name="intake_admit"),
    path(f"{ENROLLMENT}expel/", views.enrollment_expel, name="enrollment_expel"),
    path(f"{ENROLLMENT}withdraw/", views.enrollment_withdraw, name="enrollment_withdraw"),
    path(f"{ENROLLMENT}reject/", views.enrollment_reject, name="enrollment_reject"),
    path(
        f"{ENROLLMENT}expulsion-reference.pdf",
        views.expulsion_reference_pdf,
        name="expulsion_reference_pdf",
    ),
    path("orders/<int:pk>/admission-order.pdf", views.order_pdf, name="order_pdf"),
    path("intakes/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("intakes/<int:pk>/attendance/mark/", views.attendance_mark, name="attendance_mark"),
    path(
        "intakes/<int:pk>/attendance/present/",
        views.attendance_present,
        name="attendance_present",
    ),
    path("intakes/<int:pk>/attestation/", views.attestation, name="attestation"),
    path(
        "intakes/<int:pk>/attestation/commission/",
        views.commission_approve,
        name="commission_approve",
    ),
    path("intakes/<int:pk>/attestation/results/", views.results_record, name="results_record"),
    path("intakes/<int:pk>/imports/new/", views.import_upload, name="import_upload"),
    path("intakes/<int:pk>/export/<slug:kind>.xlsx", views.intake_export, name="intake_export"),
    path("accounting/", views.accounting_export, name="accounting_export"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/export/", views.compliance_export, name="compliance_export"),
    path("compliance/forecast/", views.forecast, name="forecast"),
    path("staffing/", views.staffing, name="staffing"),
    path("reports/", views.period_report, name="period_report"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("intakes/<int:pk>/imports/<int:job_pk>/", views.import_detail, name="import_detail"),
    path(
        "intakes/<int:pk>/imports/<int:job_pk>/confirm/",
        views.import_confirm,
        name="import_confirm",
    ),
    # What listeners say (listeners/portal.py): feedback per intake, appeals, scans.
    path("intakes/<int:pk>/feedback/", portal.intake_feedback, name="intake_feedback"),
    path("appeals/", portal.appeals, name="appeals"),
    path("appeals/<int:pk>/answer/", portal.appeal_answer, name="appeal_answer"),
    path(
        "external-upgrades/<path:name>",
        portal.external_upgrade_scan,
        name="external_upgrade_scan",
    ),
]
