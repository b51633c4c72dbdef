"""Kazakh first (§8): the interface speaks the state language until the person picks another."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
