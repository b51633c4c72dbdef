from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/preview/", views.programme_preview, name="programme_preview"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/archive/", views.programme_archive, name="programme_archive"),
    path("intakes/", views.intake_list, name="intake_list"),
    path("intakes/new/", views.intake_create, name="intake_create"),
    path("intakes/<int:pk>/", views.intake_detail, name="intake_detail"),
    path("intakes/<int:pk>/edit/", views.intake_edit, name="intake_edit"),
    path("intakes/<int:pk>/cancel/", views.intake_cancel, name="intake_cancel"),
    path("intakes/<int:pk>/status/", views.intake_move, name="intake_move"),
    path("intakes/<int:pk>/sessions/", views.session_add, name="session_add"),
    path(
        "intakes/<int:pk>/sessions/<int:session_pk>/remove/",
        views.session_remove,
        name="session_remove",
    ),
]
