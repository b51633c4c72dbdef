"""An intake's final attestation: the commission's order and the results (§21)."""

from django.urls import path

from listeners.attestation import views

urlpatterns = [
    path("intakes/<int:pk>/attestation/", views.attestation, name="attestation"),
    path(
        "intakes/<int:pk>/attestation/commission/",
        views.commission_approve,
        name="commission_approve",
    ),
    path("intakes/<int:pk>/attestation/results/", views.results_record, name="results_record"),
]
