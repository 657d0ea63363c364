"""Language selection (French unless the visitor chose another language with the switcher), and
the versions pinned for a request."""

from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    """Like LocaleMiddleware, but ignores the browser's Accept-Language.

    The site is written in French; a browser set to English must not get English dates
    around French text. Only an explicit choice (the language cookie set by `set_language`)
    switches the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.get("Vary", "")
        if "Cookie" not in patch:
            response["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        return response


class PinnedVersionsMiddleware:
    """First in MIDDLEWARE: the data and content versions are read once per request
    (`freshness.pinned`), however many caches key on them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from . import freshness

        with freshness.pinned():
            return self.get_response(request)
