"""Reports: the five-year rule, its forecast, staffing, the period report, accounting."""

from django.urls import path

from listeners.reports import views

urlpatterns = [
    path("accounting/", views.accounting_export, name="accounting_export"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/export/", views.compliance_export, name="compliance_export"),
    path("compliance/forecast/", views.forecast, name="forecast"),
    path("staffing/", views.staffing, name="staffing"),
    path("reports/", views.period_report, name="period_report"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
