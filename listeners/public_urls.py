"""The public pages under /courses/: anyone may use them, signed in or not."""

from django.urls import path

from listeners import public

app_name = "public"

urlpatterns = [
    path("", public.catalogue, name="catalogue"),
    path("organisations/", public.organisation_search, name="organisation_search"),
    path("<int:pk>/", public.intake_detail, name="intake"),
    path("<int:pk>/apply/", public.apply, name="apply"),
    path("<int:pk>/applied/", public.applied, name="applied"),
]
