"""Log-in throttling for every log-in form: allauth's, the Wagtail admin's, Django's admin.

All of them count failed attempts through allauth's ``login_failed`` rate limit (per client IP
and per account, see ``ACCOUNT_RATE_LIMITS``), kept in the shared ``default`` cache so that every
worker process sees the same counters. The account key is the user's id when the login names a
known account (by e-mail address or username), so the allauth form and the admin forms draw
from one allowance; a successful log-in gives its attempt back (allauth rolls it back) so
people who type their password right never lock themselves out. Password-reset requests from
the Wagtail admin share allauth's ``reset_password`` limit.
"""

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.core import ratelimit
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm
from wagtail.admin.views.account import PasswordResetView as WagtailPasswordResetView

TOO_MANY_LOGIN_ATTEMPTS = _(
    "Trop de tentatives de connexion échouées pour ce compte ou depuis votre adresse. "
    "Par sécurité, la connexion est suspendue pendant quelques minutes : réessayez plus tard, "
    "ou réinitialisez votre mot de passe."
)
TOO_MANY_RESETS = _(
    "Trop de demandes de réinitialisation du mot de passe. Réessayez dans quelques minutes."
)


def account_key(login: str) -> str:
    """One key per account whatever names it (e-mail address or username), else the text."""
    login = (login or "").strip()
    user = (
        get_user_model()
        .objects.filter(Q(email__iexact=login) | Q(username__iexact=login))
        .order_by("pk")
        .only("pk")
        .first()
    )
    return f"user:{user.pk}" if user else f"login:{login.lower()}"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": TOO_MANY_LOGIN_ATTEMPTS,
    }

    def _get_login_attempts_cache_key(self, request, **credentials):
        return account_key(credentials.get("email") or credentials.get("username") or "")


class ThrottledLoginMixin:
    """Authenticate through the allauth adapter, which counts and refuses failed attempts."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = get_adapter(self.request).authenticate(
                self.request, username=username, password=password
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class AdminLoginForm(ThrottledLoginMixin, WagtailLoginForm):
    """The Wagtail admin's log-in form (``WAGTAILADMIN_USER_LOGIN_FORM``)."""


class DjangoAdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """Django's admin log-in form (``admin.site.login_form``)."""


class AdminPasswordResetView(WagtailPasswordResetView):
    """The Wagtail admin's password reset, counted with allauth's reset form."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        if not ratelimit.consume(self.request, action="reset_password", key=email):
            form.add_error(None, forms.ValidationError(TOO_MANY_RESETS, code="rate_limited"))
            return self.form_invalid(form)
        return super().form_valid(form)
