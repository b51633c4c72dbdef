from django.urls import path

from listeners import views

app_name = "listeners"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("intakes/<int:pk>/enrollments/", views.intake_enrollments, name="intake_enrollments"),
]
