"""The certificates' timings for `manage.py bench` (found by institute.contrib): issuing
documents end to end, one document's PDF and the print of a batch, on the demo data.

Timings are printed, never asserted; the numbers go to the README.
"""

import datetime
import statistics
import tempfile

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from certificates.documents import render_document_pdf, render_documents_print_pdf
from certificates.issuing.services import documents_issue_missing
from certificates.models import Document
from courses.models import Intake, Programme
from courses.rules import ProgrammeKind
from institute.contrib import Bench, bench, timed
from institute.demo import REFERENCE_DATE
from institute.models import Institute, User
from institute.signing import testpki
from institute.signing.pades import document_signer
from listeners.models import Enrollment, Listener, Order
from listeners.rules import EnrollmentState, OrderKind


def _completed_intake(
    programme: Programme,
    code: str,
    listener_ids: list[int],
    order: Order,
    start: datetime.date,
    end: datetime.date,
) -> Intake:
    """A new intake of the programme that every listener of `listener_ids` completed."""
    intake = Intake.objects.create(
        programme=programme,
        code=code,
        start_date=start,
        end_date=end,
        capacity=len(listener_ids),
        state_order_seats=len(listener_ids),
    )
    Enrollment.objects.bulk_create(
        Enrollment(
            listener_id=pk,
            intake=intake,
            state=EnrollmentState.COMPLETED,
            admission_order=order,
            completed_on=end,
        )
        for pk in listener_ids
    )
    return intake


@bench("documents")
def documents(run: Bench, *, documents: int = 300) -> None:
    """Issue `documents` documents to a new intake of completed enrollments end to end
    (number, snapshot, PDF, file, audit), unsigned, then as many again signed with a key of
    the test PKI (institute.signing.testpki: its TSA and OCSP on 127.0.0.1); time one
    document's PDF, its signing, and the print of all of them on one PDF. Rolled back;
    the PDFs go to a temporary folder."""
    # A PDF is timed over more runs than a query: one run is short and varies more.
    repeat = max(run.repeat, 15)
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        with transaction.atomic():
            if Institute.current() is None:
                Institute.objects.create(
                    name_kk="Бенчмарк институты",
                    name_ru="Институт бенчмарка",
                    bin="940140000385",
                    head_name="Қ. Жұмабеков",
                    head_title_kk="Директор",
                    head_title_ru="Директор",
                    city_kk="Павлодар қ.",
                    city_ru="г. Павлодар",
                )
            programme = Programme.objects.create(
                code="BENCH-DOCS",
                kind=ProgrammeKind.UPGRADE,
                hours=72,
                title_kk="Бастауыш сыныптарда жаңартылған білім беру мазмұны",
                title_ru="Обновлённое содержание образования в начальных классах",
            )
            start = REFERENCE_DATE - datetime.timedelta(days=20)
            end = REFERENCE_DATE - datetime.timedelta(days=9)
            order = Order.objects.create(
                kind=OrderKind.ADMISSION, number="BENCH-1", date=start, head_name="Қ. Жұмабеков"
            )
            listener_ids = list(
                Listener.objects.order_by("pk").values_list("pk", flat=True)[:documents]
            )
            intake, signed_intake = (
                _completed_intake(programme, code, listener_ids, order, start, end)
                for code in ("BENCH-DOCS-1", "BENCH-DOCS-2")
            )
            by = User.objects.order_by("pk").first()
            with override_settings(SIGNING_KEY_FILE=""):
                bulk = timed(lambda: documents_issue_missing(intake=intake, by=by))
            issued = bulk.result
            pki = testpki.start(own_process=True)
            try:
                with override_settings(**testpki.signing_settings(pki)):
                    signer = document_signer()
                    signed_bulk = timed(
                        lambda: documents_issue_missing(intake=signed_intake, by=by)
                    )
                    unsigned_pdf = render_document_pdf(
                        Document.objects.filter(enrollment__intake=intake).first()
                    )
                    signing = [
                        timed(lambda: signer.sign(unsigned_pdf, signed_at=timezone.now()))
                        for _ in range(repeat)
                    ]
            finally:
                pki.stop()
            batch = list(Document.objects.filter(enrollment__intake=intake).order_by("serial"))
            singles = [timed(lambda: render_document_pdf(batch[0])) for _ in range(repeat)]
            printing = timed(lambda: render_documents_print_pdf(batch))
            transaction.set_rollback(True)
    # Wall time, and the process's CPU time: the two differ when other work shares the CPUs.
    run.write(f"documents ({issued} issued to one intake; rolled back), wall (CPU):")
    wall = statistics.median(t.wall for t in singles)
    cpu = statistics.median(t.cpu for t in singles)
    run.write(f"  {f'one document PDF, median of {repeat}':<48} {wall:9.1f} ms ({cpu:.1f} ms)")
    sign_wall = statistics.median(t.wall for t in signing)
    sign_cpu = statistics.median(t.cpu for t in signing)
    run.write(
        f"  {f'signing one document (PAdES B-LT), median of {repeat}':<48} {sign_wall:9.1f} ms"
        f" ({sign_cpu:.1f} ms); the test TSA and OCSP answer on 127.0.0.1"
    )
    pages = max(len(batch), 1)
    run.write(
        f"  {f'print of {len(batch)} documents on one PDF':<48} {printing.wall:9.1f} ms"
        f" ({printing.cpu:.1f} ms); per page {printing.wall / pages:.1f} ms"
        f" ({printing.cpu / pages:.1f} ms)"
    )
    run.write(
        f"  {f'bulk issue of {issued}, end to end':<48} {bulk.wall:9.1f} ms"
        f" ({bulk.cpu:.1f} ms); per document {bulk.wall / max(issued, 1):.1f} ms"
        f" ({bulk.cpu / max(issued, 1):.1f} ms)"
    )
    signed = signed_bulk.result
    run.write(
        f"  {f'bulk issue of {signed} signed, end to end':<48} {signed_bulk.wall:9.1f} ms"
        f" ({signed_bulk.cpu:.1f} ms); per document {signed_bulk.wall / max(signed, 1):.1f} ms"
        f" ({signed_bulk.cpu / max(signed, 1):.1f} ms)"
    )
