"""Signing in: listeners by their IIN or e-mail, staff by their username.

Failed sign-ins are counted per address and per account and, past a limit, locked out for a
while (guessing a teacher's password from a school's shared address is then slow). A
listener's account is opened by an invitation link: a token like Django's password-reset
token, with its own salt, valid for settings.PASSWORD_RESET_TIMEOUT and spent once the
password is set (the token hashes the password). Sign-ins and failures go to the
"institute.auth" logger, never with the password, and with a digest of what was typed
instead of the IIN or e-mail itself.
"""

import hashlib
import logging
import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.auth.views import LoginView, PasswordResetConfirmView, PasswordResetView
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from institute.mail import mail_later
from institute.models import Role, User

logger = logging.getLogger("institute.auth")

IIN_SHAPE = re.compile(r"\d{12}")
# Where a listener lands after signing in, when the portal's URL is not (yet) mounted.
LISTENER_HOME = "/me/"


# --- who is signing in -------------------------------------------------------------------------


def normalise_login(value: str) -> str:
    """What a person typed to sign in, as it is counted and looked up: no spaces (an IIN is
    often typed in groups), lower case (e-mail addresses)."""
    return "".join((value or "").split()).lower()


def listener_user_for(login: str) -> User | None:
    """The listener account an IIN or e-mail names, or None (also when an e-mail is shared by
    several accounts: it then names no one)."""
    login = normalise_login(login)
    if IIN_SHAPE.fullmatch(login):
        # The IIN of the person record decides, so a corrected IIN signs in at once (the
        # reverse one-to-one of listeners.Listener.user: a lookup, institute imports nothing).
        users = User.objects.filter(role=Role.LISTENER, listener__iin=login)
    elif "@" in login:
        users = User.objects.filter(role=Role.LISTENER, email__iexact=login)
    else:
        return None
    found = list(users[:2])
    return found[0] if len(found) == 1 else None


class IinOrEmailBackend(ModelBackend):
    """A listener signs in with their IIN or e-mail and password; a staff username is left to
    ModelBackend, listed after this one. While the address or the account is locked out,
    nobody signs in through any backend (PermissionDenied stops the chain), the back-office's
    login page included."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        if request is not None and login_locked(request, username):
            raise PermissionDenied
        user = listener_user_for(username)
        if user is None:
            # Spend the time of a hash anyway, as ModelBackend does, so timing does not tell
            # which IINs have accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


# --- lockout -----------------------------------------------------------------------------------

# The limits are settings (LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_ADDRESS,
# LOGIN_FAILURE_WINDOW_SECONDS, LOGIN_LOCKOUT_SECONDS), read on every attempt.


def _window() -> int:
    return settings.LOGIN_FAILURE_WINDOW_SECONDS


def _lockout() -> int:
    return settings.LOGIN_LOCKOUT_SECONDS


def client_address(request: HttpRequest) -> str:
    """The address the request came from. Behind the institute's proxy
    (settings.CLIENT_ADDRESS_FROM_FORWARDED_FOR) that is the last address in
    X-Forwarded-For, the one the proxy itself appended; addresses before it were sent by the
    client and may be forged. Without a proxy the header is ignored for the same reason."""
    if getattr(settings, "CLIENT_ADDRESS_FROM_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return request.META.get("REMOTE_ADDR") or "unknown"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _account_key(login: str) -> str:
    """One counter per account however it is named (IIN, e-mail or username); a login that
    names no account is counted by itself, so guessing unknown IINs is slowed down too."""
    user = listener_user_for(login)
    if user is None:
        user = User.objects.filter(username=login.strip()).first()
    if user is not None:
        return f"auth:account:{user.pk}"
    return f"auth:login:{_digest(normalise_login(login))}"


def _address_key(request: HttpRequest) -> str:
    return f"auth:address:{client_address(request)}"


def _counters(request: HttpRequest, login: str) -> list[tuple[str, int]]:
    return [
        (_address_key(request), settings.LOGIN_FAILURES_PER_ADDRESS),
        (_account_key(login), settings.LOGIN_FAILURES_PER_ACCOUNT),
    ]


def login_locked(request: HttpRequest, login: str) -> bool:
    keys = [f"{key}:locked" for key, _limit in _counters(request, login)]
    return any(cache.get_many(keys).values())


def login_failed(request: HttpRequest, login: str) -> None:
    """Count a failed sign-in for the address and the account; at the limit, lock them."""
    for key, limit in _counters(request, login):
        failures = f"{key}:failures"
        cache.add(failures, 0, timeout=_window())
        try:
            count = cache.incr(failures)
        except ValueError:  # expired between add and incr
            cache.set(failures, 1, timeout=_window())
            count = 1
        if count >= limit:
            cache.set(f"{key}:locked", True, timeout=_lockout())
            cache.delete(failures)
            logger.warning("sign-in locked: %s for %s s", key.split(":")[1], _lockout())
    logger.warning(
        "sign-in failed: login %s from %s",
        _digest(normalise_login(login)),
        client_address(request),
    )


def login_succeeded(request: HttpRequest, user: User, login: str) -> None:
    """A success clears the account's count of failures (the address keeps its own)."""
    cache.delete(f"{_account_key(login)}:failures")
    logger.info("sign-in: user %s (%s) from %s", user.pk, user.role, client_address(request))


# --- the sign-in page --------------------------------------------------------------------------


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The IIN, e-mail or username, or the password, is wrong. Check them and try again."
        ),
        "locked": _(
            "Too many failed sign-ins. For your safety signing in is paused: try again in "
            "%(minutes)s minutes, or reset your password by e-mail."
        ),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.label = _("IIN or e-mail")
        field.help_text = _("Staff sign in with their username.")
        field.widget.attrs.update({"autocapitalize": "none", "spellcheck": "false"})

    def _locked_error(self) -> ValidationError:
        return ValidationError(
            self.error_messages["locked"],
            code="locked",
            params={"minutes": max(1, _lockout() // 60)},
        )

    def clean(self) -> dict[str, Any]:
        login = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        if not (login and password):
            return super().clean()
        if login_locked(self.request, login):
            logger.warning("sign-in refused while locked out from %s", client_address(self.request))
            raise self._locked_error()
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failed(self.request, login)
            if login_locked(self.request, login):
                raise self._locked_error() from None
            raise
        login_succeeded(self.request, self.get_user(), login)
        return cleaned


def home_of(user: User) -> str:
    """Where a person lands after signing in: a listener on their page, staff in the
    workspace (the front page sends them on)."""
    if user.role == Role.LISTENER:
        try:
            return reverse("portal:home")
        except NoReverseMatch:
            return LISTENER_HOME
    return reverse(settings.LOGIN_REDIRECT_URL)


class SignInView(LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_of(self.request.user)


# --- invitations and password reset -------------------------------------------------------------


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """An invitation's token: a reset token of its own salt, so neither opens the other's
    page. It lives settings.PASSWORD_RESET_TIMEOUT and dies when the password is set."""

    key_salt = "institute.auth.InvitationTokenGenerator"


invitation_token = InvitationTokenGenerator()


def absolute_url(path: str, request_or_base_url: HttpRequest | str) -> str:
    if isinstance(request_or_base_url, str):
        return request_or_base_url.rstrip("/") + path
    return request_or_base_url.build_absolute_uri(path)


def invitation_url(user: User, request_or_base_url: HttpRequest | str) -> str:
    """The link that lets `user` set their first password."""
    path = reverse(
        "invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_token.make_token(user),
        },
    )
    return absolute_url(path, request_or_base_url)


class InvitationView(PasswordResetConfirmView):
    """Set the first password from an invitation link (Django's password validators apply),
    then sign in with the IIN or e-mail."""

    token_generator = invitation_token
    template_name = "registration/invitation_confirm.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form: Any) -> Any:
        response = super().form_valid(form)
        logger.info("invitation used: user %s set a password", form.user.pk)
        messages.success(
            self.request,
            _("Your password is set. Sign in with your IIN or e-mail and the new password."),
        )
        return response


class ListenerPasswordResetForm(PasswordResetForm):
    """Django's reset form, which also reaches a listener who never used their invitation:
    the reset link then sets their first password. A listener may type their IIN, as when
    signing in: the link goes to the e-mail on record, and the page says the same whether
    or not anyone has that IIN."""

    email = forms.CharField(label=_("IIN or e-mail"), max_length=254)

    def get_users(self, email: str):
        login = normalise_login(email)
        if IIN_SHAPE.fullmatch(login):
            user = listener_user_for(login)
            if user is None or not user.is_active or not user.email:
                return iter(())
            return iter((user,))
        users = User._default_manager.filter(email__iexact=email, is_active=True)
        return (
            u
            for u in users
            if (u.has_usable_password() or u.role == Role.LISTENER)
            and u.email.casefold() == email.casefold()
        )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """The link goes by the site's one mailer (letter `password_reset`), from the worker,
        in the language the person asked in."""
        link = {key: context[key] for key in ("protocol", "domain", "uid", "token")}
        mail_later("password_reset", to=[to_email], context=link, language=get_language())


class ListenerPasswordResetView(PasswordResetView):
    form_class = ListenerPasswordResetForm
