"""The public verification page, reached from the QR code or by number and surname."""

from django.urls import path

from certificates.verify import views

urlpatterns = [
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/file/", views.verify_file, name="verify_file"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
