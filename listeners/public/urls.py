"""The public pages under /courses/: anyone may use them, signed in or not."""

from django.urls import path

from listeners.public import views

app_name = "public"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("organisations/", views.organisation_search, name="organisation_search"),
    path("<int:pk>/", views.intake_detail, name="intake"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("<int:pk>/applied/", views.applied, name="applied"),
]
