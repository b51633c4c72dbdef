"""Every URL the project defines, tried by every role (issue 7, part 3).

The URL patterns are walked from the root resolver, so a URL added later and missing from
the tables below fails `test_every_url_is_in_the_table` with its name: whoever adds a URL
says here who may use it. Each URL is then requested by an anonymous visitor, a listener,
a second listener, a methodologist, a district methodologist and an administrator, and
the answer must be the one the role deserves; URLs that change state refuse GET (405) and a
POST without a CSRF token (403). Django's admin is checked on its own, below.
"""

import datetime

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from certificates.models import IssueJob
from courses.models import IntakeStatus, Session
from listeners.models import Appeal, ExportJob, ExportKind, ExportStatus, ExternalUpgrade, ImportJob
from listeners.rules import EnrollmentState as S
from tests.certificates.test_views import make_document
from tests.conftest import IMMEDIATE_TASKS, make_enrollment, make_intake

# --- the walk --------------------------------------------------------------------------------

# Not walked, each for a reason:
SKIPPED_NAMESPACES = {
    # Django's admin has hundreds of generated URLs and its own access rule (is_staff and
    # model permissions); test_admin_access below checks its door for every role.
    "admin",
}
SKIPPED_NAMES = {
    # i18n plumbing: Django's language switch (a redirect for everyone, nothing to guard).
    "set_language",
}


def walk(patterns=None, namespace: str = "", converters: tuple = ()) -> dict[str, tuple]:
    """{full name: (route, converter names)} for every named URL pattern, included ones too.
    The first pattern of a name wins, as reverse() does."""
    found: dict[str, tuple] = {}
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        here = converters + tuple(entry.pattern.converters)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            for name, value in walk(entry.url_patterns, inner, here).items():
                found.setdefault(name, value)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}{entry.name}"
            if entry.name not in SKIPPED_NAMES:
                found.setdefault(name, (str(entry.pattern), here))
    return found


URLS = walk()

# --- who deserves what -----------------------------------------------------------------------

ROLES = [
    "anonymous",
    "listener",
    "other_listener",
    "methodologist",
    "district_methodologist",
    "administrator",
]
LOGIN = "login"  # a redirect to the sign-in page with ?next=


def _group(**answers) -> dict[str, object]:
    missing = set(ROLES) - set(answers)
    assert not missing, missing
    return answers


PUBLIC = _group(
    anonymous=200,
    listener=200,
    other_listener=200,
    methodologist=200,
    district_methodologist=200,
    administrator=200,
)
# Workspace pages (institute.access.workspace_view): staff and the district methodologist read.
READ = _group(
    anonymous=LOGIN,
    listener=403,
    other_listener=403,
    methodologist=200,
    district_methodologist=200,
    administrator=200,
)
# The institute's own staff (workspace_change / institute_staff): not the district methodologist.
STAFF = _group(
    anonymous=LOGIN,
    listener=403,
    other_listener=403,
    methodologist=200,
    district_methodologist=403,
    administrator=200,
)
ADMINISTRATOR = _group(
    anonymous=LOGIN,
    listener=403,
    other_listener=403,
    methodologist=403,
    district_methodologist=403,
    administrator=200,
)
# The listener's own pages (institute.access.listener_required); with an id in the URL the
# second listener gets 404 (see MINE).
ME = _group(
    anonymous=LOGIN,
    listener=200,
    other_listener=200,
    methodologist=403,
    district_methodologist=403,
    administrator=403,
)
MINE = {**ME, "other_listener": 404}
# An export is served to whoever asked for it (the methodologist here), 404 to anyone else.
EXPORT = {**READ, "district_methodologist": 404, "administrator": 404}
# Pages of the sign-in flow: a signed-in person is sent on.
SIGN_IN = {role: 302 for role in ROLES} | {"anonymous": 200}
# Django's password change: signed-in people only.
SIGNED_IN = {role: 200 for role in ROLES} | {"anonymous": LOGIN}
# The front door sends staff to the workspace and listeners to their page.
HOME = {role: 302 for role in ROLES} | {"anonymous": 200}
# A state-changing URL wearing @require_POST outside the access decorator: 405 to everyone.
POST_ONLY = {role: 405 for role in ROLES}

# name: (GET answer per role, POST answer per role or None when the URL takes no POST).
# A POST answer is what a POST with a valid CSRF token and no data gets: the roles that may
# not change anything are refused (login/403/404); the others get anything but those and 500.
OK = "ok"  # allowed: a 2xx/3xx or a 400 of an empty form, never 403, 404 or 500
POST_STAFF = {**STAFF, "methodologist": OK, "administrator": OK}
POST_ADMINISTRATOR = {**ADMINISTRATOR, "administrator": OK}
POST_MINE = {**MINE, "listener": OK}
POST_ME = {**ME, "listener": OK, "other_listener": OK}
POST_PUBLIC = {role: OK for role in ROLES}

TABLE: dict[str, tuple[dict, dict | None]] = {
    "home": (HOME, None),
    "health": (PUBLIC, None),
    "login": (SIGN_IN, POST_PUBLIC),
    # Signing out answers POST only and sends everyone to the sign-in page.
    "logout": (POST_ONLY, {role: 302 for role in ROLES}),
    "password_change": (SIGNED_IN, {**SIGNED_IN, **{r: OK for r in ROLES if r != "anonymous"}}),
    "password_change_done": (SIGNED_IN, None),
    "password_reset": (PUBLIC, POST_PUBLIC),
    "password_reset_done": (PUBLIC, None),
    "password_reset_confirm": (PUBLIC, None),
    "password_reset_complete": (PUBLIC, None),
    "invitation": (PUBLIC, None),
    "public:catalogue": (PUBLIC, None),
    "public:organisation_search": (PUBLIC, None),
    "public:intake": (PUBLIC, None),
    "public:apply": (PUBLIC, POST_PUBLIC),
    # Without this browser's application in the session it sends on to the intake.
    "public:applied": ({role: 302 for role in ROLES}, None),
    "listeners:dashboard": (READ, None),
    "listeners:intake_enrollments": (READ, None),
    "listeners:enrollment_add": (POST_ONLY, POST_STAFF),
    "listeners:intake_admit": (POST_ONLY, POST_STAFF),
    "listeners:enrollment_expel": (POST_ONLY, POST_STAFF),
    "listeners:enrollment_withdraw": (POST_ONLY, POST_STAFF),
    "listeners:enrollment_reject": (POST_ONLY, POST_STAFF),
    "listeners:expulsion_reference_pdf": (READ, None),
    "listeners:order_pdf": (READ, None),
    "listeners:attendance": (READ, None),
    # An empty mark names no session or enrollment of the intake: 404 to those allowed.
    "listeners:attendance_mark": (POST_ONLY, {**STAFF, "methodologist": 404, "administrator": 404}),
    # "All present" with neither a session nor a listener named: 404 to those allowed.
    "listeners:attendance_present": (
        POST_ONLY,
        {**STAFF, "methodologist": 404, "administrator": 404},
    ),
    "listeners:attestation": (READ, None),
    "listeners:commission_approve": (POST_ONLY, POST_STAFF),
    "listeners:results_record": (POST_ONLY, POST_STAFF),
    "listeners:import_upload": (STAFF, POST_STAFF),
    "listeners:intake_export": (READ, None),
    "listeners:accounting_export": (
        READ,
        {**READ, "methodologist": OK, "administrator": OK, "district_methodologist": OK},
    ),
    "listeners:compliance": (READ, None),
    "listeners:compliance_export": (
        POST_ONLY,
        {**READ, **{r: OK for r in ("methodologist", "district_methodologist", "administrator")}},
    ),
    "listeners:forecast": (READ, None),
    "listeners:staffing": (READ, None),
    "listeners:period_report": (READ, None),
    "listeners:export_detail": (EXPORT, None),
    "listeners:export_download": (EXPORT, None),
    "listeners:import_detail": (STAFF, None),
    "listeners:import_confirm": (POST_ONLY, POST_STAFF),
    "listeners:intake_feedback": (READ, None),
    "listeners:appeals": (ADMINISTRATOR, None),
    # administrator_only is outside require_POST here: only the administrator learns it's POST.
    "listeners:appeal_answer": ({**ADMINISTRATOR, "administrator": 405}, POST_ADMINISTRATOR),
    "listeners:external_upgrade_scan": (STAFF, None),
    "courses:programme_list": (READ, None),
    "courses:programme_create": (STAFF, POST_STAFF),
    "courses:programme_preview": (STAFF, None),
    "courses:programme_detail": (READ, None),
    "courses:programme_edit": (STAFF, POST_STAFF),
    "courses:programme_archive": (POST_ONLY, POST_STAFF),
    "courses:intake_list": (READ, None),
    "courses:intake_create": (STAFF, POST_STAFF),
    "courses:intake_detail": (READ, None),
    "courses:intake_edit": (STAFF, POST_STAFF),
    "courses:intake_cancel": (POST_ONLY, POST_STAFF),
    "courses:intake_move": (POST_ONLY, POST_STAFF),
    "courses:session_add": (POST_ONLY, POST_STAFF),
    "courses:session_remove": (POST_ONLY, POST_STAFF),
    "certificates:register": (STAFF, None),
    "certificates:register_export": (STAFF, None),
    "certificates:document_detail": (STAFF, None),
    "certificates:document_pdf": (STAFF, None),
    "certificates:document_archive_pdf": (STAFF, None),
    "certificates:document_duplicate": (POST_ONLY, POST_ADMINISTRATOR),
    "certificates:document_revoke": (POST_ONLY, POST_ADMINISTRATOR),
    "certificates:intake_documents": (STAFF, None),
    "certificates:intake_issue_all": (POST_ONLY, POST_ADMINISTRATOR),
    "certificates:enrollment_issue": (POST_ONLY, POST_ADMINISTRATOR),
    "certificates:issue_job_status": (STAFF, None),
    "certificates:intake_print": (STAFF, None),
    "certificates:blank_batches": (ADMINISTRATOR, POST_ADMINISTRATOR),
    "certificates:blank_spoil": (POST_ONLY, POST_ADMINISTRATOR),
    "certificates:blank_report": (ADMINISTRATOR, None),
    "certificates:blank_report_export": (ADMINISTRATOR, None),
    "certificates:blank_test_print": (ADMINISTRATOR, None),
    # The scene's document is a certificate, printed on plain paper: no form to print on.
    "certificates:blank_print": ({**ADMINISTRATOR, "administrator": 404}, None),
    "certificates:verify_lookup": (PUBLIC, POST_PUBLIC),
    "certificates:verify_file": (PUBLIC, POST_PUBLIC),
    "certificates:verify": (PUBLIC, None),
    # Digital credentials. The scene configures no signing key, so nothing can be signed:
    # the DID document, the status lists and the listener's own download answer 404
    # (tests/certificates/credentials checks them with a key).
    "did_document": ({role: 404 for role in ROLES}, None),
    "certificates:credential_status_list": ({role: 404 for role in ROLES}, None),
    "certificates:credential_download": ({**MINE, "listener": 404}, None),
    "certificates:credential_linkedin": ({**MINE, "listener": 302}, None),
    "certificates:credential_verify": (PUBLIC, POST_PUBLIC),
    "portal:home": (ME, None),
    "portal:courses": (ME, None),
    "portal:feedback": (MINE, POST_MINE),
    "portal:appeal": (MINE, POST_MINE),
    "portal:documents": (ME, None),
    "portal:document_pdf": (MINE, None),
    "portal:upgrade": (ME, POST_ME),
    "portal:upgrade_scan": (MINE, None),
    "portal:profile": (ME, POST_ME),
}

# (name, converter name) -> which object of the scene fills it. A URL whose converter is
# missing here fails with its name.
KWARGS: dict[tuple[str, str], str] = {
    ("password_reset_confirm", "uidb64"): "uidb64",
    ("password_reset_confirm", "token"): "bad_token",
    ("invitation", "uidb64"): "uidb64",
    ("invitation", "token"): "bad_token",
    ("public:intake", "pk"): "open_intake",
    ("public:apply", "pk"): "open_intake",
    ("public:applied", "pk"): "open_intake",
    ("listeners:expulsion_reference_pdf", "pk"): "expelled",
    ("listeners:order_pdf", "pk"): "admission_order",
    ("listeners:intake_export", "kind"): "export_kind",
    ("listeners:export_detail", "pk"): "export_job",
    ("listeners:export_download", "pk"): "export_job",
    ("listeners:import_detail", "job_pk"): "import_job",
    ("listeners:import_confirm", "job_pk"): "import_job",
    ("listeners:appeal_answer", "pk"): "appeal",
    ("listeners:external_upgrade_scan", "name"): "scan_name",
    ("courses:programme_detail", "pk"): "programme",
    ("courses:programme_edit", "pk"): "programme",
    ("courses:programme_archive", "pk"): "programme",
    ("courses:session_remove", "session_pk"): "session",
    ("certificates:document_detail", "pk"): "document",
    ("certificates:document_pdf", "pk"): "document",
    ("certificates:document_archive_pdf", "pk"): "document",
    ("certificates:document_duplicate", "pk"): "document",
    ("certificates:document_revoke", "pk"): "document",
    ("certificates:enrollment_issue", "enrollment_pk"): "completed",
    ("certificates:issue_job_status", "job_pk"): "issue_job",
    ("certificates:blank_print", "pk"): "document",
    ("certificates:verify", "token"): "token",
    ("certificates:credential_download", "pk"): "document",
    ("certificates:credential_linkedin", "pk"): "document",
    ("certificates:credential_status_list", "number"): "status_list",
    ("portal:feedback", "pk"): "completed",
    ("portal:appeal", "pk"): "admission_order",
    ("portal:document_pdf", "pk"): "document",
    ("portal:upgrade_scan", "pk"): "upgrade",
}
# Converters whose meaning is the same across an app.
DEFAULT_KWARGS = {
    "pk": "intake",
    "intake_pk": "intake",
}
ENROLLMENT_PK = {  # enrollment routes: /intakes/<intake_pk>/enrollments/<pk>/...
    "listeners:enrollment_expel",
    "listeners:enrollment_withdraw",
    "listeners:enrollment_reject",
}


def _blank_pdf() -> bytes:
    """A one-page PDF that readers (and the printing of a whole intake) can open."""
    import io

    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


PDF_BYTES = _blank_pdf()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """Six accounts per test, hundreds of tests: hash their passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def scene(
    settings,
    tmp_path,
    listener,
    other_listener,
    methodologist,
    district_methodologist,
    administrator,
    organisation,
) -> dict[str, object]:
    """One of each object a URL can carry, all belonging to the first listener."""
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = IMMEDIATE_TASKS
    from tests.certificates.conftest import make_issuing_institute

    make_issuing_institute()
    intake = make_intake(district=organisation.district) if _has_district() else make_intake()
    completed = make_enrollment(listener, intake, state=S.COMPLETED)
    expelled = make_enrollment(make_listener_for(organisation), intake, state=S.EXPELLED)
    # Of another year: a duplicate issued now takes its serial from the real numbering.
    document = make_document(completed, year=2019)
    document.pdf.save(f"{document.number}.pdf", ContentFile(PDF_BYTES), save=True)
    session = Session.objects.create(intake=intake, date=intake.start_date, topic="Topic", hours=2)
    import_job = ImportJob.objects.create(
        intake=intake, filename="a.xlsx", created_by=methodologist
    )
    export_job = ExportJob.objects.create(
        kind=ExportKind.ACCOUNTING,
        language="en",
        created_by=methodologist,
        status=ExportStatus.DONE,
        filename="accounting.xlsx",
    )
    export_job.file.save("accounting.xlsx", ContentFile(b"PK\x03\x04"), save=True)
    issue_job = IssueJob.objects.create(intake=intake, created_by=administrator, total=1)
    appeal = Appeal.objects.create(
        listener=listener, order=completed.admission_order, text="Мен келіспеймін"
    )
    upgrade = ExternalUpgrade(
        listener=listener,
        issuer="«Өрлеу» БАҰО",
        document_number="0457",
        completed_on=datetime.date(2024, 5, 20),
        hours=72,
        scan=SimpleUploadedFile("scan.png", PNG, content_type="image/png"),
    )
    upgrade.save()
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return {
        "intake": intake.pk,
        "open_intake": make_intake(status=IntakeStatus.OPEN).pk,
        "programme": intake.programme_id,
        "completed": completed.pk,
        "expelled": expelled.pk,
        "admission_order": completed.admission_order_id,
        "document": document.pk,
        "token": document.token,
        "status_list": 1,
        "session": session.pk,
        "import_job": import_job.pk,
        "export_job": export_job.pk,
        "export_kind": "list",
        "issue_job": issue_job.pk,
        "appeal": appeal.pk,
        "upgrade": upgrade.pk,
        "scan_name": upgrade.scan.name,
        "uidb64": urlsafe_base64_encode(force_bytes(listener.user.pk)),
        "bad_token": "abc-123",
    }


def _has_district() -> bool:
    from courses.models import Intake

    return any(field.name == "district" for field in Intake._meta.get_fields())


def make_listener_for(organisation):
    from tests.conftest import make_listener

    return make_listener(organisation)


def url_of(name: str, scene: dict) -> str:
    """The URL of `name`, each converter filled from the scene; unknown converters fail."""
    route, converters = URLS[name]
    kwargs = {}
    for converter in converters:
        key = KWARGS.get((name, converter))
        if key is None and name in ENROLLMENT_PK and converter == "pk":
            key = "expelled" if name == "listeners:expulsion_reference_pdf" else "completed"
        key = key or DEFAULT_KWARGS.get(converter)
        if key is None:
            pytest.fail(f"URL {name} ({route}): no object for <{converter}> in KWARGS")
        kwargs[converter] = scene[key]
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def people(listener, other_listener, methodologist, district_methodologist, administrator):
    return {
        "anonymous": None,
        "listener": listener.user,
        "other_listener": other_listener.user,
        "methodologist": methodologist,
        "district_methodologist": district_methodologist,
        "administrator": administrator,
    }


def client_for(user, **options) -> Client:
    client = Client(**options)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def check(response, expected, url: str, what: str) -> None:
    status = response.status_code
    if expected == LOGIN:
        assert status == 302, f"{what}: {status}"
        assert response["Location"].startswith(f"{reverse('login')}?next="), what
    elif expected == OK:
        assert status not in (403, 404, 405) and status < 500, f"{what}: {status}"
        if status == 302:
            assert not response["Location"].startswith(reverse("login")), what
    else:
        assert status == expected, f"{what}: {status}"


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(URLS))
def test_every_url_is_in_the_table(name):
    """A URL nobody has said who may use fails here, by name."""
    route, _ = URLS[name]
    if name not in TABLE:
        pytest.fail(f"URL {name} ({route}) is not in TABLE of tests/institute/test_every_url.py")


def test_the_table_names_only_urls_that_exist():
    assert set(TABLE) - set(URLS) == set()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(URLS))
def test_get_answers_as_the_role_deserves(name, role, scene, people):
    if name not in TABLE:
        pytest.fail(f"URL {name} is not in TABLE")
    url = url_of(name, scene)
    response = client_for(people[role]).get(url)
    check(response, TABLE[name][0][role], url, f"GET {name} {url} as {role}")


POSTED = sorted(name for name in URLS if name in TABLE and TABLE[name][1] is not None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", POSTED)
def test_post_answers_as_the_role_deserves(name, role, scene, people):
    url = url_of(name, scene)
    response = client_for(people[role]).post(url, {})
    check(response, TABLE[name][1][role], url, f"POST {name} {url} as {role}")


@pytest.mark.parametrize("role", ["anonymous", "listener", "methodologist", "administrator"])
@pytest.mark.parametrize("name", POSTED)
def test_post_without_csrf_token_is_refused(name, role, scene, people):
    url = url_of(name, scene)
    response = client_for(people[role], enforce_csrf_checks=True).post(url, {})
    assert response.status_code == 403, f"POST {name} {url} as {role} without CSRF"


def test_state_changing_urls_refuse_get(scene, people):
    """Those wearing @require_POST answer 405 to GET, whoever asks, before anything else."""
    post_only = [name for name, (get, _) in TABLE.items() if get is POST_ONLY]
    assert len(post_only) >= 15
    for name in post_only:
        url = url_of(name, scene)
        assert client_for(people["administrator"]).get(url).status_code == 405, name


@pytest.mark.parametrize("role", ROLES)
def test_admin_access(role, people):
    """Django's admin: the institute's staff (is_staff) enter it; listeners and anonymous
    visitors are sent to the admin's sign-in page."""
    response = client_for(people[role]).get(reverse("admin:index"))
    if role in ("anonymous", "listener", "other_listener"):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == 200


def test_other_listener_meets_404_on_every_id_of_the_first(scene, people):
    """Each /me/ URL that carries an id of the first listener's answers 404 to the second."""
    client = client_for(people["other_listener"])
    carrying = [name for name in URLS if name.startswith("portal:") and URLS[name][1]]
    assert carrying, "no /me/ URL carries an id"
    for name in carrying:
        url = url_of(name, scene)
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
