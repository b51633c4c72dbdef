"""Printing onto the ministry's form: only the variable text, each field at its place on
the layout, on an otherwise empty page; and the test print an operator lays over a form
against the light to measure where the fields must go."""

from decimal import Decimal

from django.template.loader import render_to_string

from certificates.blanks.layouts import FIELDS, field_values
from certificates.models import BlankLayout, BlankUse, Document
from institute.pdf import html_to_pdf

GRID_STEP_MM = 10


def _page(layout: BlankLayout) -> dict[str, Decimal]:
    return {"width": layout.page_width_mm, "height": layout.page_height_mm}


def _placed(layout: BlankLayout, texts: dict[str, object]) -> list[dict[str, object]]:
    """The fields the layout places, with their text: a field the layout leaves out is not
    printed (the form may carry it already, or not at all)."""
    return [
        {
            "name": name,
            "text": texts[name],
            "x": place["x"],
            "y": place["y"],
            "size": place.get("size", 12),
        }
        for name, place in layout.positions.items()
        if name in texts
    ]


def render_blank_pdf(document: Document, *, blank: BlankUse, layout: BlankLayout) -> bytes:
    """The diploma's variable text for printing onto form `blank`: read from the frozen
    snapshot, like the stored electronic copy, which stays the signed original."""
    texts = field_values(
        document.snapshot, number=document.number, blank=f"{blank.series} {blank.number}"
    )
    context = {"page": _page(layout), "fields": _placed(layout, texts)}
    return html_to_pdf(render_to_string("certificates/blanks/print_pdf.html", context))


def render_calibration_pdf(layout: BlankLayout) -> bytes:
    """A millimetre grid with rulers every centimetre and a labelled box where each field
    starts: printed on plain paper and laid over a form, it shows how far to move each."""
    width, height = int(layout.page_width_mm), int(layout.page_height_mm)
    labels = {name: str(label) for name, label in FIELDS.items()}
    context = {
        "page": _page(layout),
        "columns": range(0, width + 1, GRID_STEP_MM),
        "rows": range(0, height + 1, GRID_STEP_MM),
        "fields": _placed(layout, labels),
    }
    return html_to_pdf(render_to_string("certificates/blanks/calibration_pdf.html", context))
