"""HTML to PDF with WeasyPrint, the one way every document of the register is printed.

The renderer may read only the project's own static files (the DejaVu fonts, which cover the
Kazakh letters Ә Ғ Қ Ң Ө Ұ Ү Һ І): a listener's name that smuggles in `<img src="file:///…">`
or a stylesheet on a network address is escaped by the template and, should anything slip
through, refused by the fetcher, so a document can never read a local file or call a server.
"""

import mimetypes
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
    (http, https, ftp, data:, file: elsewhere)."""

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = static_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def html_to_pdf(html: str) -> bytes:
    """Render an HTML document to PDF bytes, A4, with the DejaVu fonts embedded."""
    base_url = STATIC_DIR.as_uri() + "/"
    fetcher = StaticOnlyFetcher()
    font_config = FontConfiguration()
    fonts = weasyprint.CSS(
        string=FONTS_CSS, base_url=base_url, url_fetcher=fetcher, font_config=font_config
    )
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[fonts], font_config=font_config)
