"""Every real notice in shared/data/notices parses to the values written in the packet."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pytest

from pyros.notices import Notice, NoticeRejected, NoticeType, Role, parse_notice_file

DATA = Path("/work/shared/data/notices")
if not DATA.is_dir():  # CI keeps shared/ beside the clone
    DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "notices"

T = NoticeType


class E(NamedTuple):
    """Expected fields of one sample notice."""

    mission: str
    instrument: str | None
    event_id: str
    notice_type: NoticeType
    packet_type: int | None
    trigger_time: str | None
    ra_deg: float | None
    dec_deg: float | None
    error_radius_deg: float | None
    significance_sigma: float | None
    flags: set[str]


class Rejected(NamedTuple):
    reason: str


EXPECTED: dict[str, E | Rejected] = {
    "voevent/fermi/fermi_gbm_alert_3946.xml": E(
        "Fermi",
        "GBM",
        "797497441",
        T.TRIGGER,
        110,
        "2026-04-10T07:03:57Z",
        None,
        None,
        None,
        8.0,
        set(),
    ),
    "voevent/fermi/fermi_gbm_alert_3950.xml": E(
        "Fermi",
        "GBM",
        "797587480",
        T.TRIGGER,
        110,
        "2026-04-11T08:04:35.310000Z",
        None,
        None,
        None,
        5.0,
        set(),
    ),
    "voevent/fermi/fermi_gbm_fin_pos_1031.xml": E(
        "Fermi",
        "GBM",
        "797497441",
        T.FINAL,
        115,
        "2026-04-10T07:03:57Z",
        108.33,
        -28.85,
        8.15,
        None,
        set(),
    ),
    "voevent/fermi/fermi_gbm_fin_pos_1035.xml": E(
        "Fermi",
        "GBM",
        "797587480",
        T.FINAL,
        115,
        "2026-04-11T08:04:35.310000Z",
        83.23,
        2.75,
        1.0,
        None,
        set(),
    ),
    "voevent/fermi/fermi_gbm_flt_pos_8474.xml": E(
        "Fermi",
        "GBM",
        "797497441",
        T.POSITION_UPDATE,
        111,
        "2026-04-10T07:03:57Z",
        101.0667,
        -20.9333,
        8.4167,
        17.4,
        set(),
    ),
    "voevent/fermi/fermi_gbm_flt_pos_8479.xml": E(
        "Fermi",
        "GBM",
        "797587480",
        T.POSITION_UPDATE,
        111,
        "2026-04-11T08:04:35.310000Z",
        83.15,
        2.9,
        8.5833,
        15.4,
        set(),
    ),
    "voevent/fermi/fermi_gbm_gnd_pos_1828.xml": E(
        "Fermi",
        "GBM",
        "797497441",
        T.POSITION_UPDATE,
        112,
        "2026-04-10T07:03:57Z",
        107.0,
        -26.01,
        3.3,
        19.4,
        set(),
    ),
    "voevent/fermi/fermi_gbm_gnd_pos_1834.xml": E(
        "Fermi",
        "GBM",
        "797587480",
        T.POSITION_UPDATE,
        112,
        "2026-04-11T08:04:35.310000Z",
        85.32,
        6.21,
        3.97,
        19.3,
        set(),
    ),
    "voevent/fermi/fermi_gbm_gnd_pos_1838.xml": E(
        "Fermi",
        "GBM",
        "797587480",
        T.POSITION_UPDATE,
        112,
        "2026-04-11T08:04:35.310000Z",
        81.83,
        5.51,
        1.0,
        88.0,
        set(),
    ),
    "voevent/lvk/lvc_initial_15683.xml": E(
        "IGWN",
        "H1,L1",
        "MS260205v",
        T.INITIAL,
        151,
        "2026-02-05T21:50:35.337493Z",
        None,
        None,
        None,
        None,
        {"test"},
    ),
    "voevent/lvk/lvc_preliminary_73128.xml": E(
        "IGWN",
        "H1,L1,V1",
        "MS260207a",
        T.PRELIMINARY,
        150,
        "2026-02-07T00:55:47.933189Z",
        None,
        None,
        None,
        None,
        {"preliminary", "test"},
    ),
    "voevent/lvk/lvc_preliminary_75484.xml": E(
        "IGWN",
        "H1,L1",
        "MS260401i",
        T.PRELIMINARY,
        150,
        "2026-04-01T08:53:50.026328Z",
        None,
        None,
        None,
        None,
        {"preliminary", "test"},
    ),
    "voevent/lvk/lvc_preliminary_75485.xml": E(
        "IGWN",
        "H1,L1",
        "MS260401i",
        T.PRELIMINARY,
        150,
        "2026-04-01T08:53:50.026328Z",
        None,
        None,
        None,
        None,
        {"preliminary", "test"},
    ),
    "voevent/lvk/lvc_retraction_16693.xml": E(
        "IGWN",
        None,
        "MS260401i",
        T.RETRACTION,
        164,
        "2026-04-01T08:53:50.026328Z",
        None,
        None,
        None,
        None,
        {"retraction", "test"},
    ),
    "voevent/lvk/userguide_MS181101ab-1-EarlyWarning.xml": E(
        "IGWN",
        "H1,L1,V1",
        "MS181101ab",
        T.EARLY_WARNING,
        163,
        "2018-11-01T22:22:46.654437Z",
        None,
        None,
        None,
        None,
        {"preliminary", "test"},
    ),
    "voevent/lvk/userguide_MS181101ab-2-Preliminary.xml": E(
        "IGWN",
        "H1,L1,V1",
        "MS181101ab",
        T.PRELIMINARY,
        150,
        "2018-11-01T22:22:46.654437Z",
        None,
        None,
        None,
        None,
        {"preliminary", "test"},
    ),
    "voevent/lvk/userguide_MS181101ab-3-Initial.xml": E(
        "IGWN",
        "H1,L1,V1",
        "MS181101ab",
        T.INITIAL,
        151,
        "2018-11-01T22:22:46.654437Z",
        None,
        None,
        None,
        None,
        {"test"},
    ),
    "voevent/lvk/userguide_MS181101ab-4-Update.xml": E(
        "IGWN",
        "H1,L1,V1",
        "MS181101ab",
        T.UPDATE,
        152,
        "2018-11-01T22:22:46.654437Z",
        None,
        None,
        None,
        None,
        {"test"},
    ),
    "voevent/lvk/userguide_MS181101ab-5-Retraction.xml": E(
        "IGWN",
        None,
        "MS181101ab",
        T.RETRACTION,
        164,
        "2018-11-01T22:22:46.654437Z",
        None,
        None,
        None,
        None,
        {"retraction", "test"},
    ),
    "voevent/other/Gaia16aac.xml": E(
        "Gaia",
        None,
        "Gaia16aac",
        T.OTHER,
        None,
        "2016-01-16T07:51:18.815629Z",
        73.29423,
        7.35212,
        2e-05,
        None,
        set(),
    ),
    "voevent/other/no_namespace_packet.xml": E(
        "unknown",
        None,
        "BrokerTest-2014-02-24T15:55:27.72",
        T.OTHER,
        None,
        "2014-02-24T15:55:27.720000Z",
        None,
        None,
        None,
        None,
        {"test"},
    ),
    "voevent/svom/eclairs_297.xml": E(
        "SVOM",
        "ECLAIRs",
        "sb26021102",
        T.NOT_SLEWING,
        205,
        "2026-02-11T19:24:28.734000Z",
        86.9994,
        -0.4306,
        0.0947,
        14.48,
        set(),
    ),
    "voevent/svom/eclairs_299.xml": E(
        "SVOM",
        "ECLAIRs",
        "sb26022501",
        T.WAKEUP,
        202,
        "2026-02-25T08:51:04.859000Z",
        204.65,
        44.6257,
        0.0981,
        13.91,
        set(),
    ),
    "voevent/svom/eclairs_300.xml": E(
        "SVOM",
        "ECLAIRs",
        "sb26022501",
        T.SLEWING,
        204,
        "2026-02-25T08:50:57.169000Z",
        204.6748,
        44.6546,
        0.0854,
        16.32,
        set(),
    ),
    "voevent/svom/eclairs_303.xml": E(
        "SVOM",
        "ECLAIRs",
        "sb26030408",
        T.WAKEUP,
        202,
        "2026-03-04T09:39:26.573000Z",
        47.0752,
        40.9505,
        0.1515,
        8.68,
        set(),
    ),
    "voevent/svom/eclairs_304.xml": E(
        "SVOM",
        "ECLAIRs",
        "sb26030408",
        T.RETRACTION,
        219,
        "2026-03-04T09:39:26.573000Z",
        47.0752,
        40.9505,
        0.1515,
        8.68,
        {"retraction"},
    ),
    "voevent/svom/grm_284.xml": E(
        "SVOM",
        "GRM",
        "sb26020401",
        T.TRIGGER,
        201,
        "2026-02-04T10:11:30Z",
        None,
        None,
        None,
        91.4,
        set(),
    ),
    "voevent/svom/grm_286.xml": E(
        "SVOM",
        "ECLAIRs",
        "sb26020402",
        T.RETRACTION,
        219,
        "2026-02-04T12:12:49.711000Z",
        169.5696,
        3.8676,
        0.0831,
        16.87,
        {"retraction"},
    ),
    "voevent/svom/mxt_40.xml": E(
        "SVOM",
        "MXT",
        "sb26022501",
        T.POSITION_UPDATE,
        209,
        "2026-02-25T09:36:39.104000Z",
        204.8665,
        45.1204,
        0.0643,
        42.0,
        set(),
    ),
    "voevent/svom/mxt_41.xml": E(
        "SVOM",
        "MXT",
        "sb26022802",
        T.POSITION_UPDATE,
        209,
        "2026-02-28T21:48:46.626000Z",
        237.4411,
        26.0376,
        0.0673,
        40.0,
        set(),
    ),
    "voevent/svom/mxt_42.xml": E(
        "SVOM",
        "MXT",
        "sb26022802",
        T.POSITION_UPDATE,
        210,
        "2026-02-28T21:48:46.626000Z",
        237.4077,
        26.0255,
        0.034,
        101.0,
        set(),
    ),
    "voevent/svom/svom_voevent_sb25082402_eclairs-catalog.xml": E(
        "SVOM",
        "ECLAIRs",
        "sb25082402",
        T.CATALOG,
        203,
        "2025-08-24T17:03:06.989000Z",
        256.5632,
        -43.0365,
        0.0778,
        18.26,
        set(),
    ),
    "voevent/swift/SWIFT_bat_position_v2.0_example.xml": E(
        "Swift",
        "BAT",
        "532871",
        T.TRIGGER,
        61,
        "2012-09-07T00:24:23.080000Z",
        74.7412,
        -9.3137,
        0.05,
        11.33,
        set(),
    ),
    "voevent/swift/SWIFT_xrt_position_v1.1_example.xml": E(
        "Swift",
        "XRT",
        "644259",
        T.POSITION_UPDATE,
        67,
        "2015-06-16T23:05:40Z",
        314.7162,
        -53.393,
        0.0009,
        10.0,
        set(),
    ),
    "voevent/swift/fourpisky_BAT_GRB_Pos_707545-520.xml": E(
        "Swift",
        "BAT",
        "707545",
        T.TRIGGER,
        61,
        "2016-08-06T10:58:23.330000Z",
        282.0767,
        -2.4458,
        0.05,
        8.06,
        set(),
    ),
    "voevent/swift/fourpisky_SWIFT_bat_circumpolar.xml": E(
        "Swift",
        "BAT",
        "532871",
        T.TRIGGER,
        61,
        "2012-09-07T00:24:23.080000Z",
        74.7412,
        65.3137,
        0.05,
        11.33,
        set(),
    ),
    "voevent/swift/fourpisky_SWIFT_bat_low_dec.xml": E(
        "Swift",
        "BAT",
        "532871",
        T.TRIGGER,
        61,
        "2012-09-07T00:24:23.080000Z",
        74.7412,
        -45.3137,
        0.05,
        11.33,
        set(),
    ),
    "voevent/swift/swift_bat_grb_pos_test_9264.xml": E(
        "Swift",
        "BAT",
        "99999",
        T.TRIGGER,
        82,
        "2026-02-07T09:52:30Z",
        36.0,
        -35.0,
        0.05,
        12.98,
        {"test"},
    ),
    "json/einstein_probe/alert_247.json": E(
        "EinsteinProbe",
        "WXT",
        "01709259773",
        T.TRIGGER,
        None,
        "2026-04-09T11:45:11.949000Z",
        184.664,
        -6.146,
        0.05174976,
        7.0,
        set(),
    ),
    "json/einstein_probe/alert_258.json": E(
        "EinsteinProbe",
        "WXT",
        "01709261593",
        T.TRIGGER,
        None,
        "2026-05-07T13:47:57.951000Z",
        206.895,
        -22.243,
        0.05065978,
        10.0,
        set(),
    ),
    "json/gcn-schema/gcn/notices/core/Localization.example.json": Rejected(
        "JSON notice names no mission ($schema, mission or instrument)"
    ),
    "json/gcn-schema/gcn/notices/core/Pointing.example.json": Rejected(
        "JSON notice names no mission ($schema, mission or instrument)"
    ),
    "json/gcn-schema/gcn/notices/core/Reporter.example.json": Rejected(
        "notice has no event identifier"
    ),
    "json/gcn-schema/gcn/notices/core/Spectral.example.json": Rejected(
        "JSON notice names no mission ($schema, mission or instrument)"
    ),
    "json/gcn-schema/gcn/notices/core/Statistics.example.json": Rejected(
        "JSON notice names no mission ($schema, mission or instrument)"
    ),
    "json/gcn-schema/gcn/notices/einstein_probe/wxt/alert.example.json": E(
        "EinsteinProbe",
        "WXT",
        "01708973486",
        T.TRIGGER,
        None,
        "2024-03-01T21:46:05.130000Z",
        120.0,
        40.0,
        0.02,
        1.0,
        set(),
    ),
    "json/gcn-schema/gcn/notices/fermi/gbm/trigger.alert.example.json": E(
        "Fermi",
        "GBM",
        "745121685",
        T.TRIGGER,
        110,
        "2024-08-24T02:14:40.430000Z",
        None,
        None,
        None,
        4.9,
        set(),
    ),
    "json/gcn-schema/gcn/notices/fermi/gbm/trigger.final.example.json": E(
        "Fermi",
        "GBM",
        "745121685",
        T.FINAL,
        115,
        "2024-08-24T02:14:40.430000Z",
        29.24,
        -63.62,
        1.0,
        None,
        set(),
    ),
    "json/gcn-schema/gcn/notices/fermi/gbm/trigger.flight1.example.json": E(
        "Fermi",
        "GBM",
        "745121685",
        T.POSITION_UPDATE,
        111,
        "2024-08-24T02:14:40.430000Z",
        136.917,
        -78.117,
        8.32,
        6.1,
        set(),
    ),
    "json/gcn-schema/gcn/notices/fermi/gbm/trigger.flight2.example.json": E(
        "Fermi",
        "GBM",
        "745121685",
        T.POSITION_UPDATE,
        111,
        "2024-08-24T02:14:40.430000Z",
        236.783,
        66.633,
        9.23,
        9.7,
        set(),
    ),
    "json/gcn-schema/gcn/notices/fermi/gbm/trigger.flight3.example.json": E(
        "Fermi",
        "GBM",
        "745121685",
        T.POSITION_UPDATE,
        111,
        "2024-08-24T02:14:40.430000Z",
        235.883,
        68.683,
        7.15,
        14.8,
        set(),
    ),
    "json/gcn-schema/gcn/notices/fermi/gbm/trigger.ground1.example.json": E(
        "Fermi",
        "GBM",
        "745121685",
        T.POSITION_UPDATE,
        112,
        "2024-08-24T02:14:40.430000Z",
        92.17,
        -66.98,
        1.34,
        16.6,
        set(),
    ),
    "json/gcn-schema/gcn/notices/fermi/gbm/trigger.ground2.example.json": E(
        "Fermi",
        "GBM",
        "745121685",
        T.POSITION_UPDATE,
        112,
        "2024-08-24T02:14:40.430000Z",
        90.56,
        -67.87,
        1.08,
        27.0,
        set(),
    ),
    "json/gcn-schema/gcn/notices/svom/eclairs/trigger.catalog.example.json": E(
        "SVOM",
        "ECLAIRs",
        "sb24022203",
        T.CATALOG,
        None,
        "2024-02-22T08:51:31.320000Z",
        143.2478,
        -68.0289,
        0.1,
        25.67,
        {"test"},
    ),
    "json/gcn-schema/gcn/notices/svom/eclairs/trigger.not-slewing.example.json": E(
        "SVOM",
        "ECLAIRs",
        "sb24022203",
        T.NOT_SLEWING,
        None,
        "2024-02-22T08:51:31.320000Z",
        143.2478,
        -68.0289,
        0.1,
        25.67,
        {"test"},
    ),
    "json/gcn-schema/gcn/notices/svom/eclairs/trigger.slewing.example.json": E(
        "SVOM",
        "ECLAIRs",
        "sb24022203",
        T.SLEWING,
        None,
        "2024-02-22T08:51:31.320000Z",
        143.2478,
        -68.0289,
        0.1,
        25.67,
        {"test"},
    ),
    "json/gcn-schema/gcn/notices/svom/eclairs/trigger.wakeup.example.json": E(
        "SVOM",
        "ECLAIRs",
        "sb24022203",
        T.WAKEUP,
        None,
        "2024-02-22T08:51:31.320000Z",
        143.2478,
        -68.0289,
        0.1,
        25.67,
        {"test"},
    ),
    "json/gcn-schema/gcn/notices/svom/grm/trigger.example.json": E(
        "SVOM",
        "GRM",
        "sb24022203",
        T.TRIGGER,
        None,
        "2024-02-22T08:51:31.320000Z",
        143.2478,
        -68.0289,
        0.1,
        25.67,
        {"test"},
    ),
    "json/gcn-schema/gcn/notices/swift/bat/Guano.Retraction.example.json": E(
        "Swift",
        "BAT-GUANO",
        "694215995",
        T.RETRACTION,
        None,
        "2022-12-31T21:46:05.130000Z",
        None,
        None,
        None,
        None,
        {"retraction"},
    ),
    "json/gcn-schema/gcn/notices/swift/bat/Guano.example.json": E(
        "Swift",
        "BAT-GUANO",
        "694215995",
        T.TRIGGER,
        None,
        "2022-12-31T21:46:05.130000Z",
        None,
        None,
        None,
        15.8,
        set(),
    ),
    "json/gcn-schema/gcn/notices/swift/bat/guano.loc_arc_min.example.json": E(
        "Swift",
        "BAT-GUANO",
        "694215995",
        T.POSITION_UPDATE,
        None,
        "2022-12-31T21:46:05.130000Z",
        336.26,
        25.139,
        0.5,
        13.94,
        set(),
    ),
    "json/gcn-schema/gcn/notices/swift/bat/guano.loc_map.example.json": E(
        "Swift",
        "BAT-GUANO",
        "694215995",
        T.POSITION_UPDATE,
        None,
        "2022-12-31T21:46:05.130000Z",
        None,
        None,
        None,
        7.5,
        set(),
    ),
    "json/igwn_gwalert/MS181101ab-preliminary.json": E(
        "IGWN",
        "H1,L1,V1",
        "MS181101ab",
        T.PRELIMINARY,
        150,
        "2018-11-01T22:22:46.654000Z",
        None,
        None,
        None,
        None,
        {"preliminary", "test"},
    ),
    "json/igwn_gwalert/MS181101ab-retraction.json": E(
        "IGWN",
        None,
        "MS181101ab",
        T.RETRACTION,
        164,
        None,
        None,
        None,
        None,
        None,
        {"retraction", "test"},
    ),
}


def _all_notice_files() -> list[str]:
    files = [p for p in DATA.rglob("*") if p.suffix in (".xml", ".json")]
    return sorted(str(p.relative_to(DATA)) for p in files if not p.name.endswith(".schema.json"))


def _parse(rel: str) -> Notice:
    return parse_notice_file(DATA / rel)


def test_every_sample_has_an_expectation() -> None:
    assert _all_notice_files() == sorted(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_sample_parses_to_expected_fields(rel: str) -> None:
    expected = EXPECTED[rel]
    if isinstance(expected, Rejected):
        with pytest.raises(NoticeRejected) as info:
            _parse(rel)
        assert info.value.reason == expected.reason
        return
    n = _parse(rel)
    assert n.mission == expected.mission
    assert n.instrument == expected.instrument
    assert n.event_id == expected.event_id
    assert n.notice_type is expected.notice_type
    assert n.packet_type == expected.packet_type
    if expected.trigger_time is None:
        assert n.trigger_time is None
    else:
        assert n.trigger_time == datetime.fromisoformat(expected.trigger_time)
        assert n.trigger_time.tzinfo is UTC
    assert n.ra_deg == expected.ra_deg
    assert n.dec_deg == expected.dec_deg
    assert n.error_radius_deg == expected.error_radius_deg
    assert n.significance_sigma == expected.significance_sigma
    assert n.is_retraction == ("retraction" in expected.flags)
    assert n.is_preliminary == ("preliminary" in expected.flags)
    assert n.is_test == ("test" in expected.flags)


@pytest.mark.parametrize(
    "rel", sorted(k for k, v in EXPECTED.items() if not isinstance(v, Rejected))
)
def test_to_dict_is_json_and_round_trips(rel: str) -> None:
    n = _parse(rel)
    text = json.dumps(n.to_dict())
    back = Notice.from_dict(json.loads(text))
    assert back == n
    assert dict(back.details) == dict(n.details)


def test_notice_is_immutable() -> None:
    n = _parse("voevent/svom/eclairs_299.xml")
    with pytest.raises(FrozenInstanceError):
        n.ra_deg = 0.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        n.details["slew_status"] = "accepted"  # type: ignore[index]


def test_svom_burst_notices_share_event_id_and_cite_each_other() -> None:
    wakeup = _parse("voevent/svom/eclairs_299.xml")
    slewing = _parse("voevent/svom/eclairs_300.xml")
    mxt = _parse("voevent/svom/mxt_40.xml")
    assert {wakeup.event_id, slewing.event_id, mxt.event_id} == {"sb26022501"}
    assert [n.notice_type for n in (wakeup, slewing, mxt)] == [
        T.WAKEUP,
        T.SLEWING,
        T.POSITION_UPDATE,
    ]
    assert wakeup.ivorn in mxt.references and slewing.ivorn in mxt.references
    assert mxt.error_radius_deg < wakeup.error_radius_deg  # MXT refines ECLAIRs
    assert slewing.details["slew_status"] == "accepted"
    assert wakeup.details["slew_status"] == "not-requested"
    assert wakeup.error_confidence == 0.9


def test_fermi_trigger_797497441_shares_event_id_and_shrinks_error() -> None:
    names = [
        "fermi_gbm_alert_3946",
        "fermi_gbm_flt_pos_8474",
        "fermi_gbm_gnd_pos_1828",
        "fermi_gbm_fin_pos_1031",
    ]
    alert, flight, ground, final = (_parse(f"voevent/fermi/{n}.xml") for n in names)
    assert {n.event_id for n in (alert, flight, ground, final)} == {"797497441"}
    assert [n.notice_type for n in (alert, flight, ground, final)] == [
        T.TRIGGER,
        T.POSITION_UPDATE,
        T.POSITION_UPDATE,
        T.FINAL,
    ]
    assert [n.issued for n in (alert, flight, ground, final)] == sorted(
        n.issued for n in (alert, flight, ground, final)
    )
    assert not alert.has_position and alert.error_radius_deg is None  # "unavailable"
    assert flight.error_radius_deg == 8.4167 and ground.error_radius_deg == 3.3
    assert ground.error_radius_deg < flight.error_radius_deg
    # The human-made final position of this short burst is 8.15 deg (real data): it does
    # not shrink further.  Its statistical-only 68 % radius is flagged as such.
    assert final.error_radius_deg == 8.15
    assert (final.error_confidence, final.error_systematic_included) == (0.68, False)
    assert (flight.error_confidence, flight.error_systematic_included) == (0.68, True)
    assert all(alert.ivorn in n.references for n in (flight, ground, final))


def test_fermi_trigger_797587480_error_never_grows() -> None:
    names = [
        "fermi_gbm_alert_3950",
        "fermi_gbm_flt_pos_8479",
        "fermi_gbm_gnd_pos_1834",
        "fermi_gbm_gnd_pos_1838",
        "fermi_gbm_fin_pos_1035",
    ]
    notices = sorted((_parse(f"voevent/fermi/{n}.xml") for n in names), key=lambda n: n.issued)
    assert {n.event_id for n in notices} == {"797587480"}
    errors = [n.error_radius_deg for n in notices[1:]]
    assert errors == [8.5833, 3.97, 1.0, 1.0]
    assert errors == sorted(errors, reverse=True)
    assert (
        notices[2].skymap_url == "http://gcn.gsfc.nasa.gov/notices_f/gbm_gnd_loc_map_797587480.fits"
    )


def test_retractions_cite_what_they_retract() -> None:
    svom = _parse("voevent/svom/grm_286.xml")
    assert svom.is_retraction and svom.notice_type is T.RETRACTION
    assert "ivo://org.svom/fsc#sb26020402_grm-trigger" in svom.references
    lvk = _parse("voevent/lvk/lvc_retraction_16693.xml")
    assert lvk.is_retraction and lvk.references == (
        "ivo://gwnet/LVC#MS260401i-2-Preliminary",
        "ivo://gwnet/LVC#MS260401i-1-Preliminary",
    )
    gw_json = _parse("json/igwn_gwalert/MS181101ab-retraction.json")
    assert gw_json.is_retraction and gw_json.trigger_time is None


def test_test_roles() -> None:
    assert _parse("voevent/swift/swift_bat_grb_pos_test_9264.xml").role is Role.TEST
    assert _parse("voevent/other/no_namespace_packet.xml").role is Role.TEST
    assert _parse("voevent/lvk/lvc_preliminary_75484.xml").role is Role.TEST
    assert _parse("json/gcn-schema/gcn/notices/svom/grm/trigger.example.json").is_test
    assert _parse("voevent/svom/eclairs_299.xml").role is Role.OBSERVATION


def test_igwn_notices_carry_far_and_sky_map_but_no_position() -> None:
    n = _parse("voevent/lvk/lvc_preliminary_75485.xml")
    assert not n.has_position and n.error_radius_deg is None
    assert n.far_hz == pytest.approx(9.110699364861297e-14)
    assert n.skymap_url == (
        "https://gracedb.ligo.org/api/superevents/MS260401i/files/bayestar.multiorder.fits,1"
    )
    assert n.details["pipeline"] == "gstlal" and n.details["significant"] is True
    big = _parse("json/igwn_gwalert/MS181101ab-preliminary.json")  # 1.04 MB, sky map inline
    assert big.is_preliminary and big.details["skymap_inline"] is True
    assert big.far_hz == pytest.approx(9.11069936486e-14)


def test_gaia_time_is_converted_from_tdb_to_utc() -> None:
    n = _parse("voevent/other/Gaia16aac.xml")
    # ISOTime 07:52:27 TDB; TDB - UTC = 68.184 s in January 2016.
    assert n.trigger_time == datetime(2016, 1, 16, 7, 51, 18, 815629, tzinfo=UTC)
    assert n.details["coord_system"] == "TDB-ICRS-BARY"


def test_json_units_and_conventions() -> None:
    guano = _parse("json/gcn-schema/gcn/notices/swift/bat/guano.loc_arc_min.example.json")
    assert guano.error_radius_deg == 0.5 and guano.error_radius_arcmin == 30.0
    assert (guano.error_confidence, guano.error_systematic_included) == (0.9, True)
    assert guano.far_hz == 1e-05
    ep = _parse("json/einstein_probe/alert_247.json")  # no containment given: schema default
    assert (ep.error_confidence, ep.error_systematic_included) == (0.9, False)
    ground = _parse("json/gcn-schema/gcn/notices/fermi/gbm/trigger.ground1.example.json")
    assert ground.packet_name == "GROUND_POSITION" and ground.error_confidence == 0.68
    assert ground.details["duration_class"] == "LONG"
