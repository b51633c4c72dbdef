"""The listener's own pages (/me/): courses, documents, five-year status, say, profile."""

from django.urls import path

from listeners.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/", views.courses, name="courses"),
    path("courses/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("orders/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("documents/", views.documents, name="documents"),
    path("documents/<int:pk>/document.pdf", views.document_pdf, name="document_pdf"),
    path("upgrade/", views.upgrade, name="upgrade"),
    path("upgrade/<int:pk>/scan/", views.upgrade_scan, name="upgrade_scan"),
    path("profile/", views.profile, name="profile"),
]
