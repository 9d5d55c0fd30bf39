"""Hostile and malformed notices are refused with NoticeRejected and a clear reason."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyros.notices import NoticeRejected, ParseOptions, parse_notice, parse_voevent

DATA = Path("/work/shared/data/notices")
if not DATA.is_dir():
    DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "notices"

ECLAIRS = (DATA / "voevent/svom/eclairs_299.xml").read_bytes()
EP_JSON = json.loads((DATA / "json/einstein_probe/alert_247.json").read_bytes())


def _rejected(data: bytes | str, options: ParseOptions | None = None) -> str:
    with pytest.raises(NoticeRejected) as info:
        parse_notice(data, options) if options else parse_notice(data)
    return info.value.reason


def _eclairs(old: bytes, new: bytes) -> bytes:
    assert old in ECLAIRS
    return ECLAIRS.replace(old, new, 1)


def _ep(**changes: object) -> str:
    obj = dict(EP_JSON)
    for key, value in changes.items():
        if value is ...:
            obj.pop(key, None)
        else:
            obj[key] = value
    return json.dumps(obj)


# ------------------------------------------------------------------ XML attacks
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<voe:VOEvent xmlns:voe="http://www.ivoa.net/xml/VOEvent/v2.0" ivorn="ivo://x/y#z"
 role="observation" version="2.0"><Who><Date>&lol9;</Date></Who></voe:VOEvent>"""


def test_billion_laughs_is_refused() -> None:
    assert "DOCTYPE" in _rejected(BILLION_LAUGHS)


def test_any_doctype_is_refused_even_harmless() -> None:
    doc = ECLAIRS.replace(b"<voe:VOEvent", b'<!DOCTYPE voe:VOEvent SYSTEM "x.dtd">\n<voe:VOEvent')
    assert "DOCTYPE" in _rejected(doc)


def test_doctype_hidden_in_utf16_is_refused() -> None:
    doc = BILLION_LAUGHS.decode().replace('version="1.0"?', 'version="1.0" encoding="UTF-16"?')
    assert "not UTF-8" in _rejected(doc.encode("utf-16"))
    assert "not UTF-8" in _rejected(doc.encode("utf-16-be"))
    with pytest.raises(NoticeRejected, match="NUL bytes"):
        parse_voevent(doc.encode("utf-16-le"))


def test_external_file_entity_is_refused() -> None:
    doc = b"""<?xml version="1.0"?>
<!DOCTYPE v [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<voe:VOEvent xmlns:voe="http://www.ivoa.net/xml/VOEvent/v2.0" ivorn="ivo://x/y#z"
 version="2.0"><What><Param name="Burst_Id" value="&xxe;"/></What></voe:VOEvent>"""
    assert "DOCTYPE" in _rejected(doc)


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY x "pwned">')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def entity_server() -> Iterator[str]:
    _CountingHandler.hits = 0
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/evil.dtd"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_external_http_entity_and_dtd_are_never_fetched(entity_server: str) -> None:
    for doc in (
        f'<?xml version="1.0"?><!DOCTYPE v SYSTEM "{entity_server}"><v/>',
        f'<?xml version="1.0"?><!DOCTYPE v [<!ENTITY % p SYSTEM "{entity_server}"> %p;]><v/>',
        f'<?xml version="1.0"?><!DOCTYPE v [<!ENTITY e SYSTEM "{entity_server}">]><v>&e;</v>',
    ):
        assert "DOCTYPE" in _rejected(doc.encode())
    # The byte scan is not the only defence: the parser itself must not fetch either.
    from lxml import etree

    from pyros.notices.xmlsafe import _hardened_parser

    doc = f'<!DOCTYPE v [<!ENTITY e SYSTEM "{entity_server}">]><v>&e;</v>'.encode()
    root = etree.fromstring(doc, parser=_hardened_parser())
    assert "pwned" not in etree.tostring(root).decode()
    assert _CountingHandler.hits == 0


def test_ten_megabyte_document_is_refused() -> None:
    padding = b"<!-- " + b"x" * (10 * 1024 * 1024) + b" -->"
    reason = _rejected(ECLAIRS.replace(b"<Who>", padding + b"<Who>", 1))
    assert "over the" in reason and "limit" in reason


def test_size_limit_is_configurable() -> None:
    small = ParseOptions(max_xml_bytes=1000)
    assert "over the 1000-byte limit" in _rejected(ECLAIRS, small)
    assert parse_notice(ECLAIRS).event_id == "sb26022501"


def test_deeply_nested_xml_is_refused() -> None:
    doc = b"<a>" * 5000 + b"</a>" * 5000
    assert "not well-formed" in _rejected(doc)


def test_not_well_formed() -> None:
    assert "not well-formed" in _rejected(ECLAIRS[:-30])


# ------------------------------------------------------------------ VOEvent structure
def test_wrong_root_and_namespace() -> None:
    assert "not VOEvent" in _rejected(b"<html><body/></html>")
    wrong = _eclairs(b"http://www.ivoa.net/xml/VOEvent/v2.0\"\n", b'http://evil.example/v9"\n')
    assert "unsupported VOEvent namespace" in _rejected(wrong)


def test_no_namespace_packet_accepted_by_default_refused_when_strict() -> None:
    doc = (DATA / "voevent/other/no_namespace_packet.xml").read_bytes()
    assert parse_notice(doc).role.value == "test"
    assert "no namespace" in _rejected(doc, ParseOptions(allow_no_namespace=False))


def test_voevent_1_1_in_default_namespace_is_read() -> None:
    doc = ECLAIRS.replace(b"voe:", b"").replace(b"xmlns:voe=", b"xmlns=").replace(
        b"VOEvent/v2.0", b"VOEvent/v1.1")
    n = parse_notice(doc)
    assert (n.event_id, n.ra_deg, n.source_format.value) == ("sb26022501", 204.65, "voevent-1.1")


def test_bad_ivorn_and_role() -> None:
    assert "ivo://" in _rejected(_eclairs(b'ivorn="ivo://org.svom', b'ivorn="http://org.svom'))
    assert "unknown VOEvent role" in _rejected(_eclairs(b'role="observation"', b'role="party"'))


@pytest.mark.parametrize(
    ("c1", "c2", "reason"),
    [
        (b"nan", b"44.6257", "not a number"),
        (b"NaN", b"44.6257", "not a number"),
        (b"inf", b"44.6257", "not a number"),
        (b"1e999", b"44.6257", "not finite"),
        (b"360.0", b"44.6257", "outside [0, 360)"),
        (b"-0.5", b"44.6257", "outside [0, 360)"),
        (b"204.65", b"90.5", "outside [-90, 90]"),
        (b"204.65", b"-91", "outside [-90, 90]"),
        (b"0x10", b"44.6257", "not a number"),
        (b"1_0", b"44.6257", "not a number"),
    ],
)
def test_bad_voevent_coordinates(c1: bytes, c2: bytes, reason: str) -> None:
    doc = _eclairs(b"<C1>204.6500</C1>", b"<C1>" + c1 + b"</C1>")
    doc = doc.replace(b"<C2>44.6257</C2>", b"<C2>" + c2 + b"</C2>")
    assert reason in _rejected(doc)


def test_error_radius_conventions() -> None:
    unknown = parse_notice(_eclairs(b"<Error2Radius>0.0981", b"<Error2Radius>-1"))
    assert unknown.has_position and unknown.error_radius_deg is None
    assert unknown.error_confidence is None
    assert "not a number" in _rejected(_eclairs(b"<Error2Radius>0.0981", b"<Error2Radius>nan"))
    assert "larger than 180" in _rejected(_eclairs(b"<Error2Radius>0.0981",
                                                   b"<Error2Radius>200"))


def test_unsupported_units_and_frames() -> None:
    assert "unit" in _rejected(_eclairs(b'<Position2D unit="deg">', b'<Position2D unit="km">'))
    rad = parse_notice(_eclairs(b'<Position2D unit="deg">', b'<Position2D unit="rad">').replace(
        b"<C1>204.6500</C1>", b"<C1>1.0</C1>").replace(b"<C2>44.6257</C2>", b"<C2>0.5</C2>"))
    assert rad.ra_deg == pytest.approx(57.29577951) and rad.dec_deg == pytest.approx(28.6478898)
    galactic = ECLAIRS.replace(b"UTC-ICRS-GEO", b"UTC-GALACTIC-GEO")
    assert "coordinate frame" in _rejected(galactic)
    assert "time scale" in _rejected(ECLAIRS.replace(b"UTC-ICRS-GEO", b"MARS-ICRS-GEO"))


def test_missing_trigger_time_is_refused_unless_retraction() -> None:
    no_time = _eclairs(b"<ISOTime>2026-02-25T08:51:04.859000</ISOTime>", b"")
    assert _rejected(no_time) == "notice has no trigger time"
    assert "not an ISO 8601 time" in _rejected(_eclairs(b"2026-02-25T08:51:04.859000",
                                                         b"yesterday"))
    assert "not a valid time" in _rejected(_eclairs(b"2026-02-25T08:51:04.859000",
                                                     b"2026-02-30T08:51:04"))
    assert "implausible" in _rejected(_eclairs(b"2026-02-25T08:51:04.859000",
                                                b"1066-10-14T09:00:00"))


def test_leap_second_and_offsets_are_understood() -> None:
    leap = parse_notice(_eclairs(b"2026-02-25T08:51:04.859000", b"2016-12-31T23:59:60.5"))
    assert leap.trigger_time.isoformat() == "2016-12-31T23:59:59.999999+00:00"
    offset = parse_notice(_eclairs(b"2026-02-25T08:51:04.859000", b"2026-02-25T10:51:04+02:00"))
    assert offset.trigger_time.isoformat() == "2026-02-25T08:51:04+00:00"


def test_wrong_parameter_types() -> None:
    assert "Packet_Type is not an integer" in _rejected(
        _eclairs(b'name="Packet_Type" value="202"', b'name="Packet_Type" value="two"'))
    assert "SNR is not a number" in _rejected(
        _eclairs(b'name="SNR" value="13.91"', b'name="SNR" value="high"'))
    assert "not well-formed" in _rejected(  # XML 1.0 forbids control characters
        _eclairs(b'value="sb26022501"', b'value="sb26&#x1;022501"'))
    assert "control characters" in _rejected(_ep(id=["0170\u00019259773"]))


def test_xsd_validation_is_optional() -> None:
    doc = _eclairs(b"<Who>", b"<Whoo/><Who>")
    assert parse_notice(doc).event_id == "sb26022501"
    assert "VOEvent 2.0 schema" in _rejected(doc, ParseOptions(validate_xsd=True))
    assert parse_notice(ECLAIRS, ParseOptions(validate_xsd=True)).event_id == "sb26022501"


# ------------------------------------------------------------------ JSON
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[1, 2, 3]", "not an object but an array"),
        ("[]", "not an object but an array"),
        ('{"a": 1', "not valid JSON"),
        ('{"ra": NaN}', "NaN"),
        ('{"ra": Infinity}', "Infinity"),
        ('{"ra": -Infinity}', "-Infinity"),
        ('{"a": 1, "a": 2}', "repeats the key"),
        ("{" + '"a":' * 1 + "[" * 100000 + "]" * 100000 + "}", "cannot be decoded"),
        ('{"a": ' + "9" * 5000 + "}", "cannot be decoded"),
        ("hello", "neither XML"),
        ("", "empty"),
    ],
)
def test_bad_json(text: str, reason: str) -> None:
    assert reason in _rejected(text)


def test_json_must_be_utf8() -> None:
    assert "UTF-8" in _rejected(b'{"instrument": "\xff"}')


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ra": "184.664"}, "field ra must be a number"),
        ({"ra": True}, "field ra must be a number"),
        ({"dec": None}, "only one of RA and Dec"),
        ({"ra": 360.0}, "outside [0, 360)"),
        ({"dec": -90.5}, "outside [-90, 90]"),
        ({"ra": 10**400}, "not finite"),
        ({"ra_dec_error": "big"}, "ra_dec_error must be a number"),
        ({"ra_dec_error": []}, "1 to 3 values"),
        ({"ra_dec_error": 999.0}, "larger than 180"),
        ({"trigger_time": ...}, "no trigger time"),
        ({"trigger_time": 1712345678}, "must be text"),
        ({"trigger_time": "2026-13-09T11:45:11Z"}, "not a valid time"),
        ({"id": 1709259773}, "string or strings"),
        ({"id": ...}, "no event identifier"),
        ({"far": -1.0}, "non-negative"),
        ({"alert_tense": "maybe"}, "unknown alert_tense"),
        ({"containment_probability": 1.5}, "not in (0, 1)"),
        ({"systematic_included": "yes"}, "must be true or false"),
        ({"$schema": None, "instrument": "ZZZ"}, "names no mission"),
    ],
)
def test_bad_json_fields(changes: dict[str, object], reason: str) -> None:
    assert reason in _rejected(_ep(**changes))


def test_json_size_limit_and_ellipse() -> None:
    assert "over the 100-byte limit" in _rejected(_ep(), ParseOptions(max_json_bytes=100))
    ellipse = parse_notice(_ep(ra_dec_error=[0.3, 0.1, 45.0]))
    assert ellipse.error_radius_deg == 0.3  # semi-major axis: conservative circle


def test_igwn_gwalert_checks() -> None:
    assert "unknown IGWN alert_type" in _rejected('{"superevent_id": "S1", "alert_type": "X"}')
    assert "must be an object" in _rejected(
        '{"superevent_id": "S1", "alert_type": "PRELIMINARY", "event": [1]}')
    real = parse_notice('{"superevent_id": "S240101a", "alert_type": "INITIAL", '
                        '"event": {"time": "2024-01-01T00:00:00Z", "far": 1e-9}}')
    assert real.role.value == "observation" and real.far_hz == 1e-9
    assert real.notice_type.value == "initial"
