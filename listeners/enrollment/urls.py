"""An intake's enrollments: add, admit by the head's order, expel, withdraw, reject (§14–§19)."""

from django.urls import path

from listeners.enrollment import views

ENROLLMENT = "intakes/<int:intake_pk>/enrollments/<int:pk>/"

urlpatterns = [
    path("intakes/<int:pk>/enrollments/", views.intake_enrollments, name="intake_enrollments"),
    path("intakes/<int:pk>/enrollments/add/", views.enrollment_add, name="enrollment_add"),
    path("intakes/<int:pk>/enrollments/admit/", views.intake_admit, name="intake_admit"),
    path(f"{ENROLLMENT}expel/", views.enrollment_expel, name="enrollment_expel"),
    path(f"{ENROLLMENT}withdraw/", views.enrollment_withdraw, name="enrollment_withdraw"),
    path(f"{ENROLLMENT}reject/", views.enrollment_reject, name="enrollment_reject"),
    path(
        f"{ENROLLMENT}expulsion-reference.pdf",
        views.expulsion_reference_pdf,
        name="expulsion_reference_pdf",
    ),
    path("orders/<int:pk>/admission-order.pdf", views.order_pdf, name="order_pdf"),
    path("intakes/<int:pk>/export/<slug:kind>.xlsx", views.intake_export, name="intake_export"),
]
