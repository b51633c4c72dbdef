"""The institute's electronic digital signature: signing the register's PDFs (pades), reading
a signed file back (validate), and a real test PKI for the tests and the benchmark (testpki)."""

import warnings

from cryptography.utils import CryptographyDeprecationWarning

# pyHanko and certomancer import cryptography's DSA names, deprecated there: no DSA key is
# ever used, and the warning would be printed by every command that issues a document.
warnings.filterwarnings("ignore", "DSA is deprecated", CryptographyDeprecationWarning)
