"""HTML to PDF with WeasyPrint, the one way every document of the register is printed.

The renderer may read only the project's own static files (the DejaVu fonts, which cover the
Kazakh letters Ә Ғ Қ Ң Ө Ұ Ү Һ І): a listener's name that smuggles in `<img src="file:///…">`
or a stylesheet on a network address is escaped by the template and, should anything slip
through, refused by the fetcher, so a document can never read a local file or call a server.
"""

import gc
import mimetypes
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR: Path = (Path(settings.BASE_DIR) / "static").resolve()

FONTS_CSS = """
@font-face { font-family: "DejaVu Serif"; font-weight: normal;
  src: url("fonts/DejaVuSerif.ttf"); }
@font-face { font-family: "DejaVu Serif"; font-weight: bold;
  src: url("fonts/DejaVuSerif-Bold.ttf"); }
@font-face { font-family: "DejaVu Sans"; font-weight: normal;
  src: url("fonts/DejaVuSans.ttf"); }
@font-face { font-family: "DejaVu Sans"; font-weight: bold;
  src: url("fonts/DejaVuSans-Bold.ttf"); }
@page { size: A4; margin: 20mm 15mm 20mm 25mm; }
html { font-family: "DejaVu Serif"; font-size: 12pt; }
"""


# The same faces cut down once to Latin, Cyrillic (every Kazakh letter) and punctuation
# (static/fonts/README.md), under family names of their own so that fontconfig cannot pick
# the system's DejaVu instead; the issued documents use them. They are loaded once per thread
# and still subset per PDF: HarfBuzz does that in about a millisecond, while embedding them
# whole (WeasyPrint's full_fonts) measured five times slower, as WeasyPrint then reads every
# glyph's width with fontTools and compresses the whole font.
PRESUBSET_FONTS_CSS = """
@font-face { font-family: "Document Serif"; font-weight: normal;
  src: url("fonts/DejaVuSerif-KkRu.ttf"); }
@font-face { font-family: "Document Serif"; font-weight: bold;
  src: url("fonts/DejaVuSerif-Bold-KkRu.ttf"); }
@font-face { font-family: "Document Sans"; font-weight: normal;
  src: url("fonts/DejaVuSans-KkRu.ttf"); }
@font-face { font-family: "Document Sans"; font-weight: bold;
  src: url("fonts/DejaVuSans-Bold-KkRu.ttf"); }
@page { size: A4; margin: 20mm 15mm 20mm 25mm; }
html { font-family: "Document Serif"; font-size: 12pt; }
"""


class ResourceRefused(ValueError):
    """The document asked for something outside the project's static files."""


def static_path(url: str) -> Path:
    """The file under static/ that `url` names, or ResourceRefused.

    Only file: URLs without a host are accepted, and only when the resolved path (symbolic
    links and `..` followed) stays inside static/.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise ResourceRefused(f"Refused to fetch {url!r}: only the project's static files.")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise ResourceRefused(f"Refused to fetch {url!r}: not a file under static/.")
    return path


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files under static/ and refuses everything else
    (http, https, ftp, data:, file: elsewhere).

    `resources` adds images the caller made in memory (a QR code), each under its exact
    `memory:` URL; nothing else is served from memory.
    """

    def __init__(self, *args, resources: Mapping[str, bytes] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.resources = dict(resources or {})

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url in self.resources:
            content_type = mimetypes.guess_type(url)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=self.resources[url], headers={"Content-Type": content_type}
            )
        path = static_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


_cache = threading.local()


def _load_fonts(css: str) -> tuple[FontConfiguration, weasyprint.CSS]:
    font_config = FontConfiguration()
    fonts = weasyprint.CSS(
        string=css,
        base_url=STATIC_DIR.as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(),
        font_config=font_config,
    )
    return font_config, fonts


def _fonts(presubset: bool) -> tuple[FontConfiguration, weasyprint.CSS]:
    """The font configuration and the parsed font stylesheet. The pre-subset ones are made
    once per thread (Pango and fontconfig objects are not shared between threads): loading
    the system's fontconfig and the font files would otherwise be paid per document."""
    if not presubset:
        return _load_fonts(FONTS_CSS)
    cached = getattr(_cache, "presubset", None)
    if cached is None:
        cached = _cache.presubset = _load_fonts(PRESUBSET_FONTS_CSS)
    return cached


def _stamp_css(font_config: FontConfiguration) -> weasyprint.CSS:
    cached = getattr(_cache, "stamp", None)
    if cached is None or cached[0] is not font_config:
        cached = _cache.stamp = (
            font_config,
            weasyprint.CSS(string=STAMP_CSS, font_config=font_config),
        )
    return cached[1]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cycle collector walks WeasyPrint's whole box tree again and again while a
    long document is laid out: about a sixth of the time of a 300-page print. It is paused
    for the render and resumes after (reference counting frees most of it meanwhile)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The electronic-signature stamp (institute.signing): a running element placed in the bottom
# left page margin of every page, where the documents' templates keep the room free.
STAMP_CSS = """
.esign-stamp { position: running(esign); font-family: "Document Sans", "DejaVu Sans";
  font-size: 6.5pt; line-height: 1.2; color: #1f3a5f; border: .6pt solid #1f3a5f;
  padding: .5mm 1.5mm; }
@page { @bottom-left { content: element(esign); vertical-align: middle; width: 110mm; } }
"""


def html_to_pdf(
    html: str,
    *,
    presubset_fonts: bool = False,
    pdf_variant: str | None = None,
    resources: Mapping[str, bytes] | None = None,
    stamp: str = "",
) -> bytes:
    """Render an HTML document to PDF bytes, A4, with the DejaVu fonts embedded.

    `presubset_fonts` uses the cut-down DejaVu faces (Latin, Cyrillic and punctuation only),
    loaded once per thread: the issued documents, rendered by the hundred. `pdf_variant` is WeasyPrint's,
    e.g. "pdf/a-3b" for an archival copy. `resources` maps `memory:…` URLs the HTML uses
    to bytes made by the caller (see StaticOnlyFetcher). `stamp` is the HTML of the
    signature stamp (institute.signing.stamp_html), printed in the bottom margin.
    """
    base_url = STATIC_DIR.as_uri() + "/"
    font_config, fonts = _fonts(presubset_fonts)
    stylesheets = [fonts]
    if stamp:
        head, body_end, tail = html.rpartition("</body>")
        html = f"{head}{stamp}{body_end}{tail}" if body_end else html + stamp
        stylesheets.append(_stamp_css(font_config))
    document = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=StaticOnlyFetcher(resources=resources)
    )
    with _gc_paused():
        return document.write_pdf(
            stylesheets=stylesheets, font_config=font_config, pdf_variant=pdf_variant
        )
