"""URL configuration: the workspace, the listener's pages, the public catalogue and
verification, the back-office, the language switch, a health check."""

from django.contrib import admin
from django.contrib.auth.views import PasswordChangeDoneView, PasswordChangeView
from django.urls import include, path

from institute import auth, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before Django's own: listeners sign in by IIN or e-mail, with a lockout (institute.auth).
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path(
        "accounts/password_reset/",
        auth.ListenerPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        auth.InvitationView.as_view(),
        name="invitation",
    ),
    # The site's own pages, not the admin's look Django gives them (whose breadcrumbs fail
    # axe-core's link-in-text-block); the admin's password change keeps its own.
    path(
        "accounts/password_change/",
        PasswordChangeView.as_view(template_name="registration/change_password_form.html"),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        PasswordChangeDoneView.as_view(template_name="registration/change_password_done.html"),
        name="password_change_done",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("courses/", include("listeners.public.urls")),
    path("admin/", admin.site.urls),
    path("work/", include("listeners.urls")),
    path("work/", include("courses.urls")),
    path("documents/", include("certificates.urls")),
    path("me/", include("listeners.portal.urls")),
    # did:web resolves the institute's identifier here (certificates.credentials).
    path(".well-known/", include("certificates.credentials.well_known")),
]
# Errors: pages of our own in the reader's language (templates/400.html, 403.html, 404.html,
# 403_csrf.html); an unhandled error gives 500.html, or 503.html when the database is away.
handler500 = "institute.views.server_error"

# Uploaded and generated files (scans, documents, imports, exports) are never served from
# MEDIA_URL, not even on a laptop: each is served by a view that checks who is asking.
