from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("intakes/", views.intake_list, name="intake_list"),
]
