"""Import and export as JSON and XML: round trips, strict all-or-nothing import with
paths in the errors, and a parser that refuses hostile documents."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from pyros.accounts.testing import request_doc
from pyros.routines import actions
from pyros.routines.documents import request_document
from pyros.routines.exchange import (
    MAX_DOCUMENT_BYTES,
    DocumentError,
    dump_xml,
    load_json,
    load_xml,
)
from pyros.routines.models import Request

pytestmark = pytest.mark.django_db


def _rich_doc():
    doc = request_doc(max_seeing_arcsec=1.5, max_moon_illumination=0.9, priority=7,
                      allow_postpone=True)
    doc["sequences"][0]["albums"].append(
        {"channel": "NIR", "plans": [{"filter": "J", "exposure_s": 30, "count": 10,
                                      "dither_arcsec": 15}]})
    return doc


def _strip(doc):
    """A document without the request's identity, for comparing round trips."""
    return {k: v for k, v in doc.items() if k != "format"}


@pytest.mark.parametrize("kind", ["json", "xml"])
def test_round_trip(world, kind):
    original = actions.create_request(world.user, _rich_doc())
    client = APIClient()
    client.force_login(world.user)
    exported = client.get(f"/routines/api/requests/{original.pk}/export/?as={kind}")
    assert exported.status_code == 200
    assert exported["Content-Type"] == f"application/{kind}"
    resp = client.post("/routines/api/requests/import/", exported.content,
                       content_type=f"application/{kind}")
    assert resp.status_code == 201, resp.content
    (new_pk,) = resp.json()["created"]
    copy = Request.objects.get(pk=new_pk)
    assert _strip(request_document(copy)) == _strip(request_document(original))
    seq = copy.sequences.get()
    assert seq.max_moon_illumination == 0.9 and seq.allow_postpone
    assert sorted(a.channel for a in seq.albums.all()) == ["NIR", "VIS"]


def test_web_export_and_import_of_several_requests(world):
    client = Client()
    client.force_login(world.user)
    a = actions.create_request(world.user, request_doc())
    xml = client.get(f"/routines/{a.pk}/export.xml").content
    assert xml.startswith(b"<?xml") and b'<plan filter="r"' in xml
    doc = {"requests": [request_doc(), _rich_doc()]}
    upload = SimpleUploadedFile("r.json", json.dumps(doc).encode(), "application/json")
    resp = client.post("/routines/import/", {"document": upload, "submit_now": "on"})
    assert resp.status_code == 302
    assert Request.objects.count() == 3
    assert set(Request.objects.exclude(pk=a.pk).values_list("sequences__status",
                                                             flat=True)) == {"validated"}


def test_import_is_all_or_nothing_with_paths(world):
    good, bad = request_doc(), _rich_doc()
    bad["sequences"][0]["albums"][1]["plans"][0]["exposure_s"] = 3600
    bad["sequences"][0]["albums"][0]["plans"][1]["filter"] = "H"
    client = APIClient()
    client.force_login(world.user)
    resp = client.post("/routines/api/requests/import/",
                       json.dumps({"requests": [good, bad]}), content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["errors"] == [
        "requests[1].sequences[0].albums[0].plans[1].filter: unknown filter 'H' for channel "
        "VIS (allowed: g, r, i, z)",
        "requests[1].sequences[0].albums[1].plans[0].exposure_s: must be ≤ 300 (NIR maximum "
        "exposure)"]
    assert not Request.objects.exists()


def test_xml_errors_use_the_same_paths(world):
    doc = request_doc()
    doc["sequences"][0]["albums"][0]["plans"][1]["exposure_s"] = "long"
    client = APIClient()
    client.force_login(world.user)
    resp = client.post("/routines/api/requests/import/", dump_xml(doc),
                       content_type="application/xml")
    assert resp.json() == {"errors": ["sequences[0].albums[0].plans[1].exposure_s: "
                                      "must be a number"]}


HOSTILE_XML = [
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
     b'<request name="&b;"/>', "DOCTYPE and ENTITY declarations are not allowed"),
    (b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd"><request/>',
     "DOCTYPE and ENTITY declarations are not allowed"),
    (b'<request name="x" programme="stars"><sequence name="a"><album channel="VIS">'
     b'<plan filter="r" exposure_s="1"><evil/></plan></album></sequence></request>',
     "sequences[0].albums[0].plans[0]: unexpected element <evil> (expected no child element)"),
    (b'<request name="x"', "malformed XML at line 1"),
    (b"<report/>", "root element must be <request> or <requests>, not <report>"),
    (b'<request name="&undefined;"/>', "malformed XML"),
]


@pytest.mark.parametrize(("data", "message"), HOSTILE_XML)
def test_hostile_or_malformed_xml_is_refused(data, message):
    with pytest.raises(DocumentError, match=re.escape(message)):
        load_xml(data)


@pytest.mark.parametrize(("data", "message"), [
    (b'{"name": "a", "name": "b"}', "duplicate key 'name'"),
    (b'{"exposure_s": NaN}', "NaN is not a number JSON allows"),
    (b'{"name": ', "malformed JSON at line 1 column 10"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 50 + b"]" * 50, "nested deeper than 12 levels"),
    (b"   ", "empty"),
])
def test_malformed_json_is_refused(data, message):
    with pytest.raises(DocumentError, match=re.escape(message)):
        load_json(data)


def test_oversized_documents_are_refused_before_parsing(world):
    big = b'{"name": "' + b"x" * MAX_DOCUMENT_BYTES + b'"}'
    with pytest.raises(DocumentError, match="too large"):
        load_json(big)
    client = APIClient()
    client.force_login(world.user)
    resp = client.post("/routines/api/requests/import/", big, content_type="application/json")
    assert resp.status_code == 400 and "too large" in resp.json()["errors"][0]
    page = Client()
    page.force_login(world.user)
    upload = SimpleUploadedFile("big.xml", b"<request>" + b" " * MAX_DOCUMENT_BYTES
                                + b"</request>", "application/xml")
    resp = page.post("/routines/import/", {"document": upload})
    assert resp.status_code == 400 and b"too large" in resp.content
    assert not Request.objects.exists()
