"""Request import under fuzzing: any document is imported whole or refused with a clear
message, and a refused one saves nothing."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyros.accounts.testing import request_doc
from pyros.routines.actions import import_requests
from pyros.routines.exchange import DocumentError
from pyros.routines.models import Request, Sequence
from pyros.routines.spec import SpecError

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=20)


def _paths(doc, prefix=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated_documents(draw):
    doc = request_doc()
    paths = list(_paths(doc))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            parent.pop(path[-1], None)
        else:
            with contextlib.suppress(IndexError, KeyError, TypeError):
                parent[path[-1]] = draw(json_values)
        paths = list(_paths(doc))
        if not paths:
            break
    return doc


def _import(user, data: bytes, content_type: str):
    before = (Request.objects.count(), Sequence.objects.count())
    try:
        made = import_requests(user, data, content_type)
    except (SpecError, DocumentError) as exc:
        assert str(exc).strip(), "a refusal must say why"
        assert (Request.objects.count(), Sequence.objects.count()) == before, \
            "a refused import saved something"
        return None
    assert Request.objects.count() == before[0] + len(made)
    return made


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_json_imports_whole_or_not_at_all(world, doc):
    _import(world.user, json.dumps(doc).encode(), "application/json")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.binary(max_size=2000) | st.text(max_size=500).map(str.encode))
def test_random_bytes_are_refused_cleanly(world, data):
    for content_type in ("application/json", "application/xml"):
        assert _import(world.user, data, content_type) is None


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.text(alphabet="<>/=\"' abcdefghijklmnopqrstuvwxyz&;!-[]:?", max_size=300))
def test_xml_like_garbage_is_refused_cleanly(world, text):
    _import(world.user, ("<requests>" + text).encode(), "application/xml")
