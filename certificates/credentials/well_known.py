"""/.well-known/ addresses: the institute's DID document, where did:web resolves."""

from django.urls import path

from certificates.credentials import views

urlpatterns = [path("did.json", views.did_document, name="did_document")]
