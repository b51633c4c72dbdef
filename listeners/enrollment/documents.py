"""The documents of the enrollments page, each one pure function returning PDF bytes.

Kazakh text first, Russian second (§8: documents in the state language first). The numbers,
names and dates are taken as they stand on the records; all of it is escaped by the template.
Each names the act and clause it is made under (institute.rules.REGULATION_CITED): the
admission order §15, the expulsion reference §22. The pages' bottom margin (20 mm) stays
empty for the electronic signature's stamp.
"""

from django.template.loader import render_to_string
from django.utils import translation

from institute.models import Institute
from institute.pdf import html_to_pdf
from institute.rules import REGULATION_CITED
from listeners.models import Enrollment, Order
from listeners.rules import (
    ADMISSION_CLAUSE,
    EXPULSION_CLAUSE,
    EnrollmentState,
    ExpulsionGround,
    sex_of,
)

# §22 grounds as they are worded in each language of the document.
GROUND_TEXT = {
    ExpulsionGround.CURRICULUM: {
        "kk": "оқу жоспарын орындамағаны үшін",
        "ru": "за невыполнение учебного плана",
    },
    ExpulsionGround.DISCIPLINE: {
        "kk": "ішкі тәртіп ережелерін өрескел бұзғаны үшін",
        "ru": "за грубое нарушение правил внутреннего распорядка",
    },
}


def _signatory(order: Order, institute: Institute | None) -> dict[str, str]:
    """The head's title in each language: the institute's when the order names its head's
    title (or none), else the title written on the order, as it was written."""
    titles = {"kk": order.head_title, "ru": order.head_title}
    if institute is not None and order.head_title in (
        "",
        institute.head_title_kk,
        institute.head_title_ru,
    ):
        titles = {"kk": institute.head_title_kk, "ru": institute.head_title_ru}
    return {"name": order.head_name, "title_kk": titles["kk"], "title_ru": titles["ru"]}


def _render(template: str, context: dict, stamp: str) -> bytes:
    # The documents carry their own languages; dates are formatted dd.mm.yyyy in the template.
    with translation.override("kk"):
        return html_to_pdf(render_to_string(template, context), stamp=stamp)


def render_admission_order_pdf(order: Order, *, stamp: str = "") -> bytes:
    """The admission order of the head (§15): who is admitted to which intake; `stamp` the
    electronic-signature stamp it is signed under (institute.signing)."""
    institute = Institute.current()
    admitted = (
        Enrollment.objects.filter(admission_order=order)
        .select_related("listener__organisation")
        .order_by("listener__last_name", "listener__first_name", "listener__patronymic")
    )
    context = {
        "institute": institute,
        "order": order,
        "intake": order.intake,
        "programme": order.intake.programme if order.intake else None,
        "enrollments": list(admitted),
        "signatory": _signatory(order, institute),
        "regulation": REGULATION_CITED,
        "clause": ADMISSION_CLAUSE,
    }
    return _render("listeners/pdf/admission_order.html", context, stamp)


def render_expulsion_reference_pdf(enrollment: Enrollment, *, stamp: str = "") -> bytes:
    """The reference an expelled listener receives, stating the order and reason (§22);
    `stamp` as for the order."""
    if enrollment.state != EnrollmentState.EXPELLED or enrollment.expulsion_order is None:
        raise ValueError("Only an expelled enrollment has an expulsion reference.")
    institute = Institute.current()
    order = enrollment.expulsion_order
    listener = enrollment.listener
    context = {
        "institute": institute,
        "enrollment": enrollment,
        "listener": listener,
        # The Russian agrees with the sex («обучался» / «обучалась»); unknown, it has none.
        "sex": listener.sex or sex_of(iin=listener.iin or "", patronymic=listener.patronymic),
        "intake": enrollment.intake,
        "programme": enrollment.intake.programme,
        "order": order,
        "ground": GROUND_TEXT.get(order.ground, {"kk": order.ground, "ru": order.ground}),
        "reason": enrollment.expulsion_reason or order.reason,
        "signatory": _signatory(order, institute),
        "regulation": REGULATION_CITED,
        "clause": EXPULSION_CLAUSE,
    }
    return _render("listeners/pdf/expulsion_reference.html", context, stamp)
