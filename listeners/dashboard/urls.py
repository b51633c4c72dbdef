"""The workspace's first page."""

from django.urls import path

from listeners.dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
