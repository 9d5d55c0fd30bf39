"""angular_separation_deg, error-radius normalisation and same_event on real notices."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pyros.notices import (
    Notice,
    angular_separation_deg,
    containment_radius_deg,
    error_radius_90_deg,
    parse_notice_file,
    same_event,
)

DATA = Path("/work/shared/data/notices")
if not DATA.is_dir():
    DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "notices"


def _n(rel: str) -> Notice:
    return parse_notice_file(DATA / rel)


@pytest.mark.parametrize(
    ("ra1", "dec1", "ra2", "dec2", "expected"),
    [
        (0, 0, 0, 0, 0.0),
        (0, 0, 90, 0, 90.0),
        (0, 0, 180, 0, 180.0),
        (10, 89.9, 190, 89.9, 0.2),  # across the pole
        (359.99, 0, 0.01, 0, 0.02),  # across RA = 0
        (0, -90, 123, 90, 180.0),
        (204.65, 44.6257, 204.8665, 45.1204, 0.517945),  # ECLAIRs -> MXT (astropy value)
    ],
)
def test_angular_separation(ra1, dec1, ra2, dec2, expected) -> None:
    assert angular_separation_deg(ra1, dec1, ra2, dec2) == pytest.approx(expected, abs=1e-4)


def test_tiny_separation_is_accurate() -> None:
    one_mas = 1e-3 / 3600
    assert angular_separation_deg(150.0, 30.0, 150.0, 30.0 + one_mas) == pytest.approx(
        one_mas, rel=1e-6)


def test_containment_scaling() -> None:
    assert containment_radius_deg(1.0, 0.68, 0.9) == pytest.approx(1.4215, abs=1e-4)
    assert containment_radius_deg(1.4215, 0.9, 0.68) == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(ValueError):
        containment_radius_deg(1.0, 0.0, 0.9)


def test_error_radius_90_by_mission() -> None:
    bat = _n("voevent/swift/SWIFT_bat_position_v2.0_example.xml")  # 90 %, systematic in
    assert error_radius_90_deg(bat) == pytest.approx(0.05)
    gnd = _n("voevent/fermi/fermi_gbm_gnd_pos_1838.xml")  # 1.0 deg, 68 % statistical only
    assert error_radius_90_deg(gnd) == pytest.approx(math.hypot(1.0, 3.7) * 1.42147, rel=1e-4)
    flt = _n("voevent/fermi/fermi_gbm_flt_pos_8479.xml")  # 68 %, systematic included
    assert error_radius_90_deg(flt) == pytest.approx(8.5833 * 1.42147, rel=1e-4)
    assert error_radius_90_deg(_n("voevent/svom/grm_284.xml")) is None


def test_same_mission_decided_by_event_id() -> None:
    wakeup = _n("voevent/svom/eclairs_299.xml")
    assert same_event(wakeup, _n("voevent/svom/mxt_40.xml"))  # 45 min later, same burst
    assert not same_event(wakeup, _n("voevent/svom/eclairs_297.xml"))
    fermi = [_n(f"voevent/fermi/{n}.xml") for n in ("fermi_gbm_alert_3946",
                                                     "fermi_gbm_fin_pos_1031")]
    assert same_event(*fermi)


def test_cross_mission_coincidence() -> None:
    eclairs = _n("voevent/svom/eclairs_299.xml")
    gbm = _n("voevent/fermi/fermi_gbm_gnd_pos_1838.xml")
    # Put the GBM trigger 20 s after ECLAIRs and 4 deg away: inside hypot(5.45, 0.10) deg.
    gbm_same = replace(gbm, trigger_time=eclairs.trigger_time + timedelta(seconds=20),
                       ra_deg=eclairs.ra_deg, dec_deg=eclairs.dec_deg + 4.0)
    assert same_event(eclairs, gbm_same) and same_event(gbm_same, eclairs)
    assert not same_event(eclairs, replace(gbm_same, dec_deg=eclairs.dec_deg + 6.0))
    late = replace(gbm_same, trigger_time=eclairs.trigger_time + timedelta(seconds=61))
    assert not same_event(eclairs, late)
    assert same_event(eclairs, late, time_tolerance_s=90)


def test_unknown_positions_use_time_only() -> None:
    eclairs = _n("voevent/svom/eclairs_299.xml")
    gw = _n("voevent/lvk/lvc_preliminary_75484.xml")  # no position
    gw_near = replace(gw, trigger_time=eclairs.trigger_time - timedelta(seconds=2))
    assert same_event(eclairs, gw_near)
    assert not same_event(eclairs, gw)  # two months apart
    gbm_alert = _n("voevent/fermi/fermi_gbm_alert_3946.xml")  # no position either
    assert same_event(replace(gbm_alert, trigger_time=eclairs.trigger_time), eclairs)


def test_retraction_without_time_matches_only_its_own_mission() -> None:
    retraction = _n("json/igwn_gwalert/MS181101ab-retraction.json")
    assert same_event(retraction, _n("voevent/lvk/userguide_MS181101ab-2-Preliminary.xml"))
    assert not same_event(retraction, _n("voevent/svom/eclairs_299.xml"))


def test_bad_tolerance() -> None:
    n = _n("voevent/svom/eclairs_299.xml")
    with pytest.raises(ValueError):
        same_event(n, n, time_tolerance_s=math.nan)
