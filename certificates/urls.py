"""Pages about issued documents; the public verification page is reached from the QR code."""

from django.urls import path

from certificates import views

app_name = "certificates"

INTAKE = "intakes/<int:pk>/"

urlpatterns = [
    path("", views.register, name="register"),
    path("register.xlsx", views.register_export, name="register_export"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/document.pdf", views.document_pdf, name="document_pdf"),
    path("<int:pk>/archive.pdf", views.document_archive_pdf, name="document_archive_pdf"),
    path("<int:pk>/duplicate/", views.document_duplicate, name="document_duplicate"),
    path("<int:pk>/revoke/", views.document_revoke, name="document_revoke"),
    path(INTAKE, views.intake_documents, name="intake_documents"),
    path(f"{INTAKE}issue/", views.intake_issue_all, name="intake_issue_all"),
    path(f"{INTAKE}issue/<int:enrollment_pk>/", views.enrollment_issue, name="enrollment_issue"),
    path(f"{INTAKE}jobs/<int:job_pk>/", views.issue_job_status, name="issue_job_status"),
    path(f"{INTAKE}print.pdf", views.intake_print, name="intake_print"),
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
