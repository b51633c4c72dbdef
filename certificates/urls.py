"""Pages about issued documents, one module of patterns per thing a person does there."""

from certificates.blanks import urls as blanks
from certificates.issuing import urls as issuing
from certificates.register import urls as register
from certificates.verify import urls as verify

app_name = "certificates"

urlpatterns = [
    *register.urlpatterns,
    *issuing.urlpatterns,
    *blanks.urlpatterns,
    *verify.urlpatterns,
]
