"""A list of listeners uploaded into an intake: checked, shown, confirmed, imported."""

from django.urls import path

from listeners.imports import views

urlpatterns = [
    path("intakes/<int:pk>/imports/new/", views.import_upload, name="import_upload"),
    path("intakes/<int:pk>/imports/<int:job_pk>/", views.import_detail, name="import_detail"),
    path(
        "intakes/<int:pk>/imports/<int:job_pk>/confirm/",
        views.import_confirm,
        name="import_confirm",
    ),
]
