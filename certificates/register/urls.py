"""The register, its export, and one document's page, PDFs, duplicate and revocation."""

from django.urls import path

from certificates.register import views

urlpatterns = [
    path("", views.register, name="register"),
    path("register.xlsx", views.register_export, name="register_export"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/document.pdf", views.document_pdf, name="document_pdf"),
    path("<int:pk>/archive.pdf", views.document_archive_pdf, name="document_archive_pdf"),
    path("<int:pk>/duplicate/", views.document_duplicate, name="document_duplicate"),
    path("<int:pk>/revoke/", views.document_revoke, name="document_revoke"),
]
