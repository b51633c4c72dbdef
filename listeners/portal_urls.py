"""The listener's own pages (/me/): courses, documents, five-year status, say, profile."""

from django.urls import path

from listeners import portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("courses/", portal.courses, name="courses"),
    path("courses/<int:pk>/feedback/", portal.feedback, name="feedback"),
    path("orders/<int:pk>/appeal/", portal.appeal, name="appeal"),
    path("documents/", portal.documents, name="documents"),
    path("documents/<int:pk>/document.pdf", portal.document_pdf, name="document_pdf"),
    path("upgrade/", portal.upgrade, name="upgrade"),
    path("upgrade/<int:pk>/scan/", portal.upgrade_scan, name="upgrade_scan"),
    path("profile/", portal.profile, name="profile"),
]
