"""The diploma blank forms: batches, writing off, the statement, printing and its test."""

from django.urls import path

from certificates.blanks import views

BLANKS = "blanks/"

urlpatterns = [
    path(BLANKS, views.blank_batches, name="blank_batches"),
    path(f"{BLANKS}spoil/", views.blank_spoil, name="blank_spoil"),
    path(f"{BLANKS}report/", views.blank_report, name="blank_report"),
    path(f"{BLANKS}report.xlsx", views.blank_report_export, name="blank_report_export"),
    path(f"{BLANKS}test-print.pdf", views.blank_test_print, name="blank_test_print"),
    path(f"{BLANKS}documents/<int:pk>/print.pdf", views.blank_print, name="blank_print"),
]
