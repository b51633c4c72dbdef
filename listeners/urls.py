"""The staff workspace under /work/ (namespace `listeners`), one set of pages per capability."""

from django.urls import include, path

app_name = "listeners"

urlpatterns = [
    path("", include("listeners.dashboard.urls")),
    path("", include("listeners.enrollment.urls")),
    path("", include("listeners.attendance.urls")),
    path("", include("listeners.attestation.urls")),
    path("", include("listeners.imports.urls")),
    path("", include("listeners.reports.urls")),
    path("", include("listeners.feedback.urls")),
    path("", include("listeners.upgrades.urls")),
]
