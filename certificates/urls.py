"""Pages about issued documents, one module of patterns per thing a person does there."""

from certificates.blanks import urls as blanks
from certificates.credentials import urls as credentials
from certificates.issuing import urls as issuing
from certificates.register import urls as register
from certificates.verify import urls as verify

app_name = "certificates"

# The credential check before verify's <token>, which would take "credential" for a token.
urlpatterns = [
    *register.urlpatterns,
    *issuing.urlpatterns,
    *blanks.urlpatterns,
    *credentials.urlpatterns,
    *verify.urlpatterns,
]
