"""Digital credentials: the listener's download and LinkedIn link, the status lists, the
public check of a credential. The DID document is at the site's root (well_known)."""

from django.urls import path

from certificates.credentials import views

urlpatterns = [
    path(
        "credentials/<int:pk>/credential.jwt", views.credential_download, name="credential_download"
    ),
    path("credentials/<int:pk>/linkedin/", views.credential_linkedin, name="credential_linkedin"),
    path("credentials/status/<int:number>/", views.status_list, name="credential_status_list"),
    path("verify/credential/", views.credential_verify, name="credential_verify"),
]
