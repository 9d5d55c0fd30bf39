"""REST API of the Routine Manager: thin adapters over ``routines.actions``.

Mounted under ``/routines/api/``.  Every endpoint needs an authenticated user (session or
token); visibility and edit rights come from ``routines.access`` (404 for a request the
user may not see, 403 for one they may see but not change).  Errors in documents are
``{"errors": ["path: message", ...]}`` with status 400.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response
from rest_framework.views import APIView

from pyros.routines import actions
from pyros.routines.access import can_edit, visible_requests, visible_sequences
from pyros.routines.documents import request_document
from pyros.routines.etc_service import run_etc
from pyros.routines.exchange import DocumentError, dump_json, dump_xml
from pyros.routines.lifecycle import TransitionError
from pyros.routines.models import Request
from pyros.routines.serializers import (
    CountsSerializer,
    ErrorsSerializer,
    EtcInSerializer,
    EtcOutSerializer,
    ImportResultSerializer,
    RequestInSerializer,
    RequestSerializer,
    RequestSummarySerializer,
    SequenceSerializer,
    SubmitResultSerializer,
)
from pyros.routines.spec import SpecError

SUBMIT_PARAM = OpenApiParameter("submit", OpenApiTypes.BOOL, description="submit at once")


def _errors(errors: list[str], code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"errors": errors}, status=code)


def _editable(request: ApiRequest, pk: int) -> Request | Response:
    obj = get_object_or_404(visible_requests(request.user), pk=pk)
    if not can_edit(request.user, obj):
        return _errors(["you may see this request but not change it"], status.HTTP_403_FORBIDDEN)
    return obj


def _flag(request: ApiRequest, name: str) -> bool:
    return str(request.query_params.get(name, "")).lower() in ("1", "true", "yes")


class RequestListApi(APIView):
    @extend_schema(responses=RequestSummarySerializer(many=True))
    def get(self, request: ApiRequest) -> Response:
        """Requests of your programmes (experts and admins: all)."""
        qs = visible_requests(request.user).prefetch_related("sequences")
        return Response(RequestSummarySerializer(qs, many=True).data)

    @extend_schema(request=RequestInSerializer, parameters=[SUBMIT_PARAM],
                   responses={201: RequestSerializer, 400: ErrorsSerializer})
    def post(self, request: ApiRequest) -> Response:
        """Create a request (all checks first; nothing saved on error)."""
        try:
            obj = actions.create_request(request.user, request.data, submit=_flag(request,
                                                                                  "submit"))
        except SpecError as exc:
            return _errors(exc.errors)
        return Response(RequestSerializer(obj).data, status=status.HTTP_201_CREATED)


class RequestDetailApi(APIView):
    @extend_schema(responses=RequestSerializer)
    def get(self, request: ApiRequest, pk: int) -> Response:
        obj = get_object_or_404(visible_requests(request.user), pk=pk)
        return Response(RequestSerializer(obj).data)

    @extend_schema(responses={204: None, 409: ErrorsSerializer})
    def delete(self, request: ApiRequest, pk: int) -> Response:
        """Delete a request whose sequences are all drafts."""
        obj = _editable(request, pk)
        if isinstance(obj, Response):
            return obj
        try:
            actions.delete_request(obj)
        except actions.RequestLocked as exc:
            return _errors([str(exc)], status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RequestSubmitApi(APIView):
    @extend_schema(request=None, responses=SubmitResultSerializer)
    def post(self, request: ApiRequest, pk: int) -> Response:
        """Submit the draft sequences: each is validated or rejected with its reason."""
        obj = _editable(request, pk)
        if isinstance(obj, Response):
            return obj
        results = actions.submit_request(obj, by=request.user)
        return Response({"results": [{"sequence": s.pk, "status": st,
                                      "reason": s.status_reason} for s, st in results]})


class RequestUnsubmitApi(APIView):
    @extend_schema(request=None, responses=CountsSerializer)
    def post(self, request: ApiRequest, pk: int) -> Response:
        """Back to draft (executing sequences are cancelled, finished ones kept)."""
        obj = _editable(request, pk)
        if isinstance(obj, Response):
            return obj
        return Response({"counts": actions.unsubmit_request(obj, by=request.user)})


class RequestCancelApi(APIView):
    @extend_schema(request=None, responses=CountsSerializer)
    def post(self, request: ApiRequest, pk: int) -> Response:
        obj = _editable(request, pk)
        if isinstance(obj, Response):
            return obj
        return Response({"counts": {"cancelled": actions.cancel_request(obj, by=request.user)}})


class RequestExportApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("as", str, enum=["json", "xml"])],
                   responses={(200, "application/json"): OpenApiTypes.OBJECT,
                              (200, "application/xml"): OpenApiTypes.STR})
    def get(self, request: ApiRequest, pk: int) -> HttpResponse:
        """The request as an importable JSON or XML document."""
        obj = get_object_or_404(visible_requests(request.user), pk=pk)
        return export_response(obj, request.query_params.get("as", "json"))


def export_response(obj: Request, kind: str) -> HttpResponse:
    doc = request_document(obj)
    if kind == "xml":
        resp = HttpResponse(dump_xml(doc), content_type="application/xml")
    else:
        resp = HttpResponse(dump_json(doc), content_type="application/json")
    resp["Content-Disposition"] = f'attachment; filename="request-{obj.pk}.{kind}"'
    return resp


class RawParser(BaseParser):
    """Hands the raw body to the view (the import does its own hardened parsing)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class RequestImportApi(APIView):
    parser_classes = [RawParser]

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT, "application/xml": OpenApiTypes.STR},
        parameters=[SUBMIT_PARAM],
        responses={201: ImportResultSerializer, 400: ErrorsSerializer})
    def post(self, request: ApiRequest) -> Response:
        """Import JSON or XML (one request or several), all or nothing."""
        try:
            made = actions.import_requests(request.user, request.data or b"",
                                           request.content_type or "",
                                           submit=_flag(request, "submit"))
        except DocumentError as exc:
            return _errors([str(exc)])
        except SpecError as exc:
            return _errors(exc.errors)
        return Response({"created": [r.pk for r in made]}, status=status.HTTP_201_CREATED)


class SequenceDetailApi(APIView):
    @extend_schema(responses=SequenceSerializer)
    def get(self, request: ApiRequest, pk: int) -> Response:
        seq = get_object_or_404(visible_sequences(request.user), pk=pk)
        return Response(SequenceSerializer(seq).data)


class SequenceCancelApi(APIView):
    @extend_schema(request=None, responses={200: SequenceSerializer, 409: ErrorsSerializer})
    def post(self, request: ApiRequest, pk: int) -> Response:
        seq = get_object_or_404(visible_sequences(request.user), pk=pk)
        if not can_edit(request.user, seq.request):
            return _errors(["you may see this sequence but not change it"],
                           status.HTTP_403_FORBIDDEN)
        try:
            actions.cancel_sequence(seq, by=request.user)
        except TransitionError as exc:
            return _errors([str(exc)], status.HTTP_409_CONFLICT)
        return Response(SequenceSerializer(seq).data)


class EtcApi(APIView):
    @extend_schema(request=EtcInSerializer, responses={200: EtcOutSerializer,
                                                       400: ErrorsSerializer})
    def post(self, request: ApiRequest) -> Response:
        """Exposure time calculator: S/N for an exposure, or exposure for an S/N."""
        ser = EtcInSerializer(data=request.data)
        if not ser.is_valid():
            return _errors([f"{k}: {' '.join(str(m) for m in v)}"
                            for k, v in ser.errors.items()])
        d = ser.validated_data
        try:
            out = run_etc(d["mode"], d["mag"], d["filter"], exposure_s=d.get("exposure_s"),
                          snr=d.get("snr"), seeing_arcsec=d["seeing_arcsec"],
                          airmass=d["airmass"], moon_illumination=d.get("moon_illumination"))
        except ValueError as exc:
            return _errors([f"filter: {exc}" if "filter" in str(exc) else str(exc)])
        return Response(out)

