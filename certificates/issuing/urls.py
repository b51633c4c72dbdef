"""An intake's documents: issuing one or all, following the job, printing them."""

from django.urls import path

from certificates.issuing import views

INTAKE = "intakes/<int:pk>/"

urlpatterns = [
    path(INTAKE, views.intake_documents, name="intake_documents"),
    path(f"{INTAKE}issue/", views.intake_issue_all, name="intake_issue_all"),
    path(f"{INTAKE}issue/<int:enrollment_pk>/", views.enrollment_issue, name="enrollment_issue"),
    path(f"{INTAKE}jobs/<int:job_pk>/", views.issue_job_status, name="issue_job_status"),
    path(f"{INTAKE}print.pdf", views.intake_print, name="intake_print"),
]
