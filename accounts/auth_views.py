"""Signing in (password, then a two-factor code when the user has a device), password reset by
email, and the two-factor settings page."""

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts import two_factor
from accounts.audit import (
    CODE_ASKED,
    CODE_REFUSED,
    RESET_DONE,
    RESET_REFUSED,
    RESET_REQUESTED,
    TWO_FACTOR_OFF,
    TWO_FACTOR_ON,
    audit,
)
from accounts.forms import LoginForm, PasswordResetForm
from accounts.login import normalize_login_email

MSG_RESET_LIMIT = gettext_noop(
    "Too many password reset requests from this address or for this email. "
    "Wait an hour and try again, or ask an administrator."
)
MSG_CODE_WRONG = gettext_noop(
    "That code is not right (or came too soon after a wrong one). Try the next code."
)
MSG_CODE_EXPIRED = gettext_noop("Sign in again: the password step expired or too many codes were wrong.")
MSG_REQUIRED_NO_DISABLE = gettext_noop("Two-factor authentication is required for administrators here.")
MSG_TWO_FACTOR_OFF = gettext_noop("Two-factor authentication is off.")


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
        help_text=_("The 6 digits your authenticator app shows, or one of your backup codes."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _next_url(request, fallback: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure())
    return url if allowed else resolve_url(fallback)


class LoginView(auth_views.LoginView):
    """The password step; a user with a two-factor device is asked for a code before signing in."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from accounts.saml import saml_enabled
        from accounts.sso import sso_enabled

        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = sso_enabled() or saml_enabled()
        context["sso_login_url"] = reverse("sso_login") if sso_enabled() else reverse("saml2_login")
        context["sso_refused"] = self.request.GET.get("sso") == "refused"
        return context

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.has_two_factor(user):
            return super().form_valid(form)
        two_factor.pending_start(self.request, user)
        audit(CODE_ASKED, request=self.request, user=user)
        return redirect(f"{reverse('login_code')}?{urlencode({'next': self.get_redirect_url()})}")


@sensitive_post_parameters("otp_token")
@never_cache
@require_http_methods(["GET", "POST"])
def login_code_view(request):
    pending = two_factor.pending_get(request)
    if pending is None:
        messages.error(request, gettext(MSG_CODE_EXPIRED))
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        del request.session[two_factor.PENDING_KEY]
        messages.error(request, gettext(MSG_CODE_EXPIRED))
        return redirect("login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = two_factor.code_match(user=user, token=form.cleaned_data["otp_token"])
        if device is not None:
            del request.session[two_factor.PENDING_KEY]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
        audit(CODE_REFUSED, request=request, user=user)
        pending["attempts"] += 1
        if pending["attempts"] >= two_factor.PENDING_ATTEMPTS:
            del request.session[two_factor.PENDING_KEY]
            messages.error(request, gettext(MSG_CODE_EXPIRED))
            return redirect("login")
        request.session[two_factor.PENDING_KEY] = pending
        form.add_error("otp_token", gettext(MSG_CODE_WRONG))
        status = 400
    context = {"form": form, "next": _next_url(request, settings.LOGIN_REDIRECT_URL)}
    return render(request, "registration/login_code.html", context, status=status)


def _over_limit(key: str) -> bool:
    cache.add(key, 0, timeout=60 * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60 * 60)
        count = 1
    return count > settings.PASSWORD_RESET_RATE_PER_HOUR


class PasswordResetView(auth_views.PasswordResetView):
    """Same answer whether or not the email has an account; at most PASSWORD_RESET_RATE_PER_HOUR
    requests an hour from one address and for one email (counted whether or not it exists)."""

    form_class = PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.label_suffix = ""
        return form

    @property
    def extra_email_context(self):
        # Links point at the configured site, never at whatever Host the request carried.
        return {"site_url": settings.PDCA_SITE_URL.rstrip("/")}

    def form_valid(self, form):
        email = normalize_login_email(form.cleaned_data["email"])
        ip = get_client_ip_address(self.request) or "-"
        by_ip = _over_limit(f"pwreset:ip:{ip}")
        by_email = _over_limit(f"pwreset:email:{email}")
        if by_ip or by_email:
            audit(RESET_REFUSED, request=self.request, email=email)
            form.add_error(None, gettext(MSG_RESET_LIMIT))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        audit(RESET_REQUESTED, request=self.request, email=email)
        form.cleaned_data["email"] = email
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.label_suffix = ""
        return form

    def form_valid(self, form):
        response = super().form_valid(form)
        audit(RESET_DONE, request=self.request, user=form.user)
        return response


@sensitive_post_parameters("otp_token")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_view(request):
    """Enrol (scan or type the secret, confirm with a code), new backup codes, or disable with a code."""
    user = request.user
    enabled = two_factor.has_two_factor(user)
    action = request.POST.get("action", "")
    form = CodeForm(request.POST if request.method == "POST" else None)
    codes = None
    status = 200
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["otp_token"]
        if action == "enrol" and not enabled:
            device = two_factor.pending_device(user)
            codes = two_factor.enrol_confirm(user=user, device=device, token=token)
            if codes is not None:
                otp_login(request, device)
                audit(TWO_FACTOR_ON, request=request, user=user)
                enabled, form = True, CodeForm()
        elif action in ("disable", "backup") and enabled:
            if action == "disable" and two_factor.two_factor_required(user):
                form.add_error(None, gettext(MSG_REQUIRED_NO_DISABLE))
            elif two_factor.code_match(user=user, token=token) is not None:
                if action == "disable":
                    two_factor.two_factor_disable(user=user)
                    audit(TWO_FACTOR_OFF, request=request, user=user)
                    messages.success(request, gettext(MSG_TWO_FACTOR_OFF))
                    return redirect("two_factor")
                codes, form = two_factor.backup_codes_new(user=user), CodeForm()
        if codes is None and not form.errors:
            audit(CODE_REFUSED, request=request, user=user)
            form.add_error("otp_token", gettext(MSG_CODE_WRONG))
    if form.errors:
        status = 400
    context = {
        "form": form,
        "enabled": enabled,
        "codes": codes,
        "required": two_factor.two_factor_required(user),
    }
    if not enabled:
        form.fields["otp_token"].help_text = gettext("The 6 digits your authenticator app shows.")
        device = two_factor.pending_device(user)
        context.update(
            uri=device.config_url,
            secret=two_factor.secret_text(device),
            qr=two_factor.qr_svg_data_uri(device.config_url),
        )
    if codes is not None and request.GET.get("next"):
        context["next"] = _next_url(request, settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/two_factor.html", context, status=status)
