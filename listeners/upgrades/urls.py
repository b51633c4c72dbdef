"""Upgrades a listener took elsewhere: the scan of the certificate, for the staff."""

from django.urls import path

from listeners.upgrades import views

urlpatterns = [
    path(
        "external-upgrades/<path:name>",
        views.external_upgrade_scan,
        name="external_upgrade_scan",
    ),
]
