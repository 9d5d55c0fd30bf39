"""Pages of the Routine Manager: thin adapters over ``routines.actions``.

Anonymous visitors are sent to the login page; a request the user may not see is a 404,
one they may see but not change a 403 (see ``routines.access``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from pyros.accounts.models import Profile
from pyros.routines import actions
from pyros.routines.access import can_edit, submit_programmes, visible_requests
from pyros.routines.api import export_response
from pyros.routines.etc_service import run_etc
from pyros.routines.exchange import MAX_DOCUMENT_BYTES, DocumentError
from pyros.routines.forms import EtcForm, ImportForm, RequestForm, SequenceForm
from pyros.routines.lifecycle import FINAL, TransitionError
from pyros.routines.models import Request, Sequence
from pyros.routines.spec import SpecError


def _etc(request: HttpRequest) -> tuple[EtcForm, dict | None, str]:
    """The ETC panel: bound to ``?etc-…`` query parameters when they are present."""
    if not any(k.startswith("etc-") for k in request.GET):
        return EtcForm(), None, ""
    form = EtcForm(request.GET)
    if not form.is_valid():
        return form, None, ""
    d = form.cleaned_data
    try:
        return form, run_etc(d["mode"], d["mag"], d["filter"], exposure_s=d.get("exposure_s"),
                             snr=d.get("snr"), seeing_arcsec=d["seeing_arcsec"],
                             airmass=d["airmass"],
                             moon_illumination=d.get("moon_illumination")), ""
    except ValueError as exc:
        return form, None, str(exc)


def _first_visit(user) -> bool:
    profile = Profile.objects.filter(user=user).first()
    return profile is None or not profile.first_visit_done


def _editable(request: HttpRequest, pk: int) -> Request:
    obj = get_object_or_404(visible_requests(request.user), pk=pk)
    if not can_edit(request.user, obj):
        raise PermissionDenied("you may see this request but not change it")
    return obj


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    reqs = visible_requests(request.user).prefetch_related("sequences")
    return render(request, "routines/request_list.html", {
        "requests": reqs, "first_visit": _first_visit(request.user),
        "can_create": submit_programmes(request.user).exists()})


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    programmes = submit_programmes(request.user)
    errors: list[str] = []
    if request.method == "POST":
        rform = RequestForm(request.POST, programmes=programmes)
        sform = SequenceForm(request.POST)
        if rform.is_valid() and sform.is_valid():
            doc = {"name": rform.cleaned_data["name"],
                   "programme": rform.cleaned_data["programme"],
                   "sequences": [sform.sequence_document()]}
            try:
                obj = actions.create_request(request.user, doc,
                                             submit="submit_now" in request.POST)
            except SpecError as exc:
                errors = exc.errors
            else:
                messages.success(request, f"Request {obj.name} saved.")
                return redirect("routines:request-detail", pk=obj.pk)
    else:
        rform, sform = RequestForm(programmes=programmes), SequenceForm()
    etc_form, etc_result, etc_error = _etc(request)
    return render(request, "routines/request_form.html", {
        "rform": rform, "sform": sform, "errors": errors, "etc_form": etc_form,
        "etc_result": etc_result, "etc_error": etc_error, "title": "New request"},
        status=400 if errors else 200)


@login_required
def sequence_new(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _editable(request, pk)
    errors: list[str] = []
    if request.method == "POST":
        sform = SequenceForm(request.POST)
        if sform.is_valid():
            try:
                actions.add_sequence(obj, request.user, sform.sequence_document())
            except SpecError as exc:
                errors = exc.errors
            else:
                return redirect("routines:request-detail", pk=obj.pk)
    else:
        sform = SequenceForm()
    etc_form, etc_result, etc_error = _etc(request)
    return render(request, "routines/request_form.html", {
        "sform": sform, "errors": errors, "etc_form": etc_form, "etc_result": etc_result,
        "etc_error": etc_error, "title": f"Add a sequence to {obj.name}", "parent": obj},
        status=400 if errors else 200)


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(visible_requests(request.user), pk=pk)
    seqs = obj.sequences.prefetch_related("albums__plans", "transitions__by")
    return render(request, "routines/request_detail.html", {
        "req": obj, "sequences": seqs, "editable": can_edit(request.user, obj),
        "final": [s.value for s in FINAL]})


def _post_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    obj = _editable(request, pk)
    try:
        if verb == "submit":
            results = actions.submit_request(obj, by=request.user)
            ok = sum(1 for _, st in results if st == "validated")
            messages.info(request, f"{ok} of {len(results)} sequence(s) validated.")
        elif verb == "unsubmit":
            counts = actions.unsubmit_request(obj, by=request.user)
            messages.info(request, "Unsubmitted: {to_draft} back to draft, {cancelled} "
                          "cancelled while executing, {kept} finished kept.".format(**counts))
        elif verb == "cancel":
            messages.info(request, f"{actions.cancel_request(obj, by=request.user)} "
                          "sequence(s) cancelled.")
        elif verb == "delete":
            actions.delete_request(obj)
            messages.info(request, f"Request {obj.name} deleted.")
            return redirect("routines:request-list")
    except (actions.RequestLocked, TransitionError) as exc:
        messages.error(request, str(exc))
    return redirect("routines:request-detail", pk=pk)


@login_required
@require_POST
def request_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(request, pk, "submit")


@login_required
@require_POST
def request_unsubmit(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(request, pk, "unsubmit")


@login_required
@require_POST
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(request, pk, "cancel")


@login_required
@require_POST
def request_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_action(request, pk, "delete")


@login_required
@require_POST
def sequence_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    seq = get_object_or_404(Sequence.objects.filter(request__in=visible_requests(request.user)),
                            pk=pk)
    _editable(request, seq.request_id)
    try:
        actions.cancel_sequence(seq, by=request.user)
    except TransitionError as exc:
        messages.error(request, str(exc))
    return redirect("routines:request-detail", pk=seq.request_id)


@login_required
def request_export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    obj = get_object_or_404(visible_requests(request.user), pk=pk)
    if kind not in ("json", "xml"):
        raise Http404("export as json or xml")
    return export_response(obj, kind)


@login_required
def request_import(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["document"]
            if upload.size > MAX_DOCUMENT_BYTES:
                errors = [f"(document): too large ({upload.size} bytes; the limit is "
                          f"{MAX_DOCUMENT_BYTES} bytes)"]
            else:
                try:
                    made = actions.import_requests(request.user, upload.read(),
                                                   upload.content_type or "",
                                                   submit=form.cleaned_data["submit_now"])
                except DocumentError as exc:
                    errors = [str(exc)]
                except SpecError as exc:
                    errors = exc.errors
                else:
                    messages.success(request, f"{len(made)} request(s) imported.")
                    return redirect("routines:request-list")
    else:
        form = ImportForm()
    return render(request, "routines/import.html", {"form": form, "errors": errors},
                  status=400 if errors else 200)


@login_required
def etc_page(request: HttpRequest) -> HttpResponse:
    etc_form, etc_result, etc_error = _etc(request)
    return render(request, "routines/etc.html", {"etc_form": etc_form, "etc_result": etc_result,
                                                 "etc_error": etc_error})
