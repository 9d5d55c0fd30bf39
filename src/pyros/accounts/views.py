"""Pages of the User Manager: registration, profile, first-visit help, validation of
registrations, programmes and their quotas, password recovery by e-mail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from pyros.accounts import actions
from pyros.accounts.api import pending_users
from pyros.accounts.forms import ProfileForm, RegistrationForm, RejectForm
from pyros.accounts.ledger import programmes_of
from pyros.accounts.models import Profile, Quota
from pyros.accounts.reports import evolution_svg_points, programme_summary, quota_report
from pyros.accounts.roles import can_validate_users, role_of


def register(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            actions.register_user(d["username"], d["email"], d["password1"],
                                  first_name=d.get("first_name", ""),
                                  last_name=d.get("last_name", ""),
                                  institute=d.get("institute", ""))
            return redirect("accounts:register-done")
    else:
        form = RegistrationForm()
    return render(request, "accounts/register.html", {"form": form})


def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/register_done.html")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    prof, _ = Profile.objects.get_or_create(user=user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            actions.update_profile(user, **form.cleaned_data)
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile")
    else:
        form = ProfileForm(initial={"first_name": user.first_name, "last_name": user.last_name,
                                    "email": user.email, "institute": prof.institute})
    token = Token.objects.filter(user=user).first()
    return render(request, "accounts/profile.html", {
        "form": form, "profile": prof, "role": role_of(user), "token": token,
        "programmes": user.programmes.all()})


@login_required
@require_POST
def token_regenerate(request: HttpRequest) -> HttpResponse:
    actions.regenerate_token(request.user)
    messages.success(request, "A new API token was made; the old one no longer works.")
    return redirect("accounts:profile")


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/help.html")


@login_required
@require_POST
def help_dismiss(request: HttpRequest) -> HttpResponse:
    actions.dismiss_help(request.user)
    return redirect(request.POST.get("next") or "routines:request-list")


def _validator(request: HttpRequest) -> None:
    if not can_validate_users(request.user):
        raise PermissionDenied("only admins (or the programme committee) validate accounts")


@login_required
def pending(request: HttpRequest) -> HttpResponse:
    _validator(request)
    return render(request, "accounts/pending.html", {"pending": pending_users(),
                                                     "reject_form": RejectForm()})


@login_required
@require_POST
def validate(request: HttpRequest, pk: int) -> HttpResponse:
    _validator(request)
    user = get_object_or_404(pending_users(), pk=pk)
    actions.validate_user(user, by=request.user)
    messages.success(request, f"{user.username} validated.")
    return redirect("accounts:pending")


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    _validator(request)
    user = get_object_or_404(pending_users(), pk=pk)
    form = RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actions.reject_user(user, by=request.user, reason=reason)
    messages.info(request, f"Registration of {user.username} rejected.")
    return redirect("accounts:pending")


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/programme_list.html", {
        "programmes": [programme_summary(p) for p in programmes_of(request.user)]})


@login_required
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_object_or_404(programmes_of(request.user), code=code)
    quotas = Quota.objects.filter(programme=programme).select_related("period", "programme") \
        .order_by("-period__start")
    wanted = request.GET.get("period")
    quota = (quotas.filter(period__name=wanted).first() if wanted else None) or quotas.first()
    report = quota_report(quota) if quota else None
    return render(request, "accounts/programme_detail.html", {
        "programme": programme, "quotas": quotas, "quota": quota, "report": report,
        "points": evolution_svg_points(quota, report["ledger"]) if quota else ""})


# --- password recovery by e-mail (Django's views, PyROS templates and URLs) --------------------

password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset_form.html",
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password-reset-done"))
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password-reset-complete"))
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html")
