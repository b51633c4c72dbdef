"""Kazakh first (§8): the interface speaks the state language until the person picks another.
Addresses with control characters are refused before any page reads them (issue 18)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.utils import translation
from django.utils.cache import patch_vary_headers

from institute.text import has_control


class KazakhFirstLocaleMiddleware:
    """Django's LocaleMiddleware, minus the browser's Accept-Language: a browser set to
    English or Russian still opens the register in Kazakh; the language switch (a cookie set
    by `set_language`) is the only way to another language."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        translation.activate(chosen if chosen in self.supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY on every response that has none yet: scripts
    only from the site's own files, no frames, no plug-ins, forms posted only to the site."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's own error page (DEBUG on, a laptop only) works with inline scripts.
        if settings.DEBUG and response.status_code >= 500:
            return response
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class RefuseControlCharactersMiddleware:
    """Answers 400, with the register's own page in the reader's language, to an address
    whose path or query string holds a control character (NUL, ESC, the C1 range...;
    institute.text). No page or back-office filter then sees one: PostgreSQL refuses NUL in
    any text it is asked to compare, which made a 500 of a NUL in the organisation search
    and in most back-office list filters, and the others are never part of a real search,
    name or id. Forms sent by POST are left to their fields, which say what is wrong beside
    the field (institute.apps). After the language middleware, so the page speaks the
    reader's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.refused(request):
            page = loader.render_to_string("400.html", {"control_character": True})
            return HttpResponseBadRequest(page)
        return self.get_response(request)

    @staticmethod
    def refused(request: HttpRequest) -> bool:
        if has_control(request.path_info):
            return True
        return any(
            has_control(key) or any(has_control(value) for value in values)
            for key, values in request.GET.lists()
        )
