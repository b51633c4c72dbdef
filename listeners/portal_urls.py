"""The listener's own pages (/me/): courses, documents, five-year status, say, profile."""

from django.urls import path

from listeners import portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
]
