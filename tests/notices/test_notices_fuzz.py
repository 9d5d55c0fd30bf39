"""Fuzzing: no input, however broken, makes the parsers raise anything but NoticeRejected."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyros.notices import Notice, NoticeRejected, parse_notice

DATA = Path("/work/shared/data/notices")
if not DATA.is_dir():
    DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "notices"

SAMPLES = [
    p.read_bytes()
    for p in sorted(DATA.rglob("*"))
    if p.suffix in (".xml", ".json") and not p.name.endswith(".schema.json")
    and p.stat().st_size < 100_000  # the 1 MB gwalert would only slow mutation down
]
JSON_SAMPLES = [json.loads(s) for s in SAMPLES if s.lstrip()[:1] == b"{"]

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _parse_or_reject(data: bytes | str) -> None:
    try:
        notice = parse_notice(data)
    except NoticeRejected as exc:
        assert exc.reason and "\n" not in exc.reason
        return
    assert isinstance(notice, Notice)
    json.dumps(notice.to_dict())  # whatever is accepted is serialisable
    if notice.ra_deg is not None:
        assert 0.0 <= notice.ra_deg < 360.0 and -90.0 <= notice.dec_deg <= 90.0
    assert notice.trigger_time is not None or notice.is_retraction


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes(data: bytes) -> None:
    _parse_or_reject(data)


@FUZZ
@given(st.sampled_from(["<", "{", "["]), st.text(max_size=512))
def test_random_text_after_a_plausible_start(start: str, text: str) -> None:
    _parse_or_reject(start + text)


@st.composite
def mutated_samples(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "dup"]))
        if action == "flip" and pos < len(data):
            data[pos] = draw(st.integers(0, 255))
        elif action == "insert":
            data[pos:pos] = draw(st.sampled_from(
                [b"-", b"9", b".", b"e9", b"nan", b"<", b"&", b"\"", b"\x00", b"\xff", b"-1",
                 b"<!DOCTYPE x>", b"]]>", b"null", b",", b"{", b"[", b"360", b"T"]))
        elif action == "delete":
            del data[pos:pos + draw(st.integers(1, 16))]
        else:
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 64))]
    return bytes(data)


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_samples())
def test_mutated_real_samples(data: bytes) -> None:
    _parse_or_reject(data)


_json_leaf = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
              | st.text(max_size=30))
_json_value = st.recursive(_json_leaf, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                           max_leaves=12)


@FUZZ
@given(st.sampled_from(JSON_SAMPLES), st.dictionaries(
    st.sampled_from(["ra", "dec", "ra_dec_error", "trigger_time", "id", "instrument",
                     "alert_type", "alert_tense", "event", "superevent_id", "$schema",
                     "containment_probability", "subtype", "event_name", "urls", "far"]),
    _json_value, max_size=4))
def test_json_samples_with_wrong_types(sample: dict, changes: dict) -> None:
    _parse_or_reject(json.dumps({**sample, **changes}))
