"""Pages about issued documents; the public verification page is reached from the QR code."""

from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/<str:token>/", views.verify, name="verify"),
]
