"""An intake's attendance journal (§20)."""

from django.urls import path

from listeners.attendance import views

urlpatterns = [
    path("intakes/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("intakes/<int:pk>/attendance/mark/", views.attendance_mark, name="attendance_mark"),
    path(
        "intakes/<int:pk>/attendance/present/",
        views.attendance_present,
        name="attendance_present",
    ),
]
