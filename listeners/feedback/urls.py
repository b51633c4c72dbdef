"""What listeners say, read by the staff: feedback on an intake, appeals of orders (§19.4)."""

from django.urls import path

from listeners.feedback import views

urlpatterns = [
    path("intakes/<int:pk>/feedback/", views.intake_feedback, name="intake_feedback"),
    path("appeals/", views.appeals, name="appeals"),
    path("appeals/<int:pk>/answer/", views.appeal_answer, name="appeal_answer"),
]
