"""A light frame through reduce → detect → astrometry → photometry, checked against truth.

The header WCS is deliberately wrong (5″ off, turned 0.1°), as after a poor pointing.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from tests.pipeline.conftest import (
    DEC_DEG,
    DUSK,
    META,
    RA_DEG,
    SCALE_ARCSEC,
    SIZE_PX,
    SKY_MAG,
    shifted_wcs,
    spec,
)

from pyros.pipeline.core.io import read_raw
from pyros.pipeline.core.process import OutputPaths, process_light
from pyros.pipeline.core.reference import sky_model_reference
from pyros.skymodel import detector, frame_wcs, star_catalog
from pyros.skymodel.photometry import band, zero_point
from pyros.skymodel.psf import fwhm_arcsec

EAST, NORTH, ROT = 4.0, 3.0, 0.1
EXPOSURE_S = 60.0


@pytest.fixture(scope="module")
def processed(calib_masters, tmp_path_factory):
    from pyros.pipeline.core.synthetic import write_raw_frame

    folder = tmp_path_factory.mktemp("reduce")
    s = spec("light", DUSK + timedelta(hours=2), EXPOSURE_S)
    raw = write_raw_frame(folder / "light.fits", s, META,
                          wcs=shifted_wcs(s, EAST, NORTH, ROT))
    out = OutputPaths(folder / "red.fits", folder / "red.ecsv", folder / "red.png")
    result = process_light(raw, calib_masters["paths"], out, sky_model_reference(),
                           full_well_e=s.full_well_e)
    return {"spec": s, "raw": raw, "out": out, "result": result,
            "catalog": Table.read(out.catalog, format="ascii.ecsv")}


def _block_medians(data: np.ndarray, box: int = 64) -> np.ndarray:
    n = data.shape[0] // box
    return np.median(data[: n * box, : n * box].reshape(n, box, n, box).swapaxes(1, 2)
                     .reshape(n, n, -1), axis=2)


def test_products_are_written_with_the_pipeline_keywords(processed):
    out, res = processed["out"], processed["result"]
    assert res.steps[:4] == ["bias", "dark", "flat", "gain"] and not res.warnings
    with fits.open(out.fits) as hdul:
        h = hdul[0].header
        assert h["BUNIT"] == "electron" and hdul["MASK"].data.shape == (SIZE_PX, SIZE_PX)
        assert h["MAGZPT"] == pytest.approx(res.zero_point, abs=1e-3)
        assert h["NSOURCES"] == res.n_sources > 50
    assert out.preview.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {"ra_deg", "dec_deg", "mag", "mag_err", "flags", "ref_id"} <= \
        set(processed["catalog"].colnames)


def test_reduced_frame_is_flat_fielded_and_in_electrons(processed, calib_masters):
    s = processed["spec"]
    raw = read_raw(processed["raw"])
    raw_sky = _block_medians(raw.data - calib_masters["bias"].data)
    with fits.open(processed["out"].fits) as hdul:
        reduced = _block_medians(hdul[0].data)
    n = raw_sky.shape[0]
    centre = slice(n // 2 - 1, n // 2 + 1)
    corners = [(0, 0), (0, -1), (-1, 0), (-1, -1)]
    raw_ratio = min(raw_sky[c] for c in corners) / raw_sky[centre, centre].mean()
    red_ratio = np.array([reduced[c] for c in corners]) / reduced[centre, centre].mean()
    assert raw_ratio < 0.92  # vignetting is there before...
    assert np.all(np.abs(red_ratio - 1) < 0.01)  # ...and gone after (within 1 %)
    assert np.std(reduced) / np.median(reduced) < 0.01
    # Sky level: μ mag/arcsec² through the 1.3 m, times the flat's normalisation.
    zp = zero_point("r", 1.3)
    sky_e = 10 ** (-0.4 * (SKY_MAG - zp)) * SCALE_ARCSEC**2 * s.exposure_s
    norm = np.median(detector.response(SIZE_PX, SIZE_PX, 1, 1))
    assert np.median(reduced) == pytest.approx(sky_e * norm, rel=0.02)


def test_detected_sources_are_the_catalogue_stars(processed):
    cat, res, s = processed["catalog"], processed["result"], processed["spec"]
    truth = star_catalog(RA_DEG, DEC_DEG, 0.15, "r")
    x, y = frame_wcs(s).wcs_world2pix(truth.ra_deg, truth.dec_deg, 0)
    inner = (x > 20) & (x < SIZE_PX - 21) & (y > 20) & (y < SIZE_PX - 21)
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([cat["x"], cat["y"]]))
    bright = inner & (truth.mag < res.limiting_mag - 1.0)
    d, _ = tree.query(np.column_stack([x[bright], y[bright]]))
    assert bright.sum() > 30
    assert np.mean(d < 1.0) > 0.95  # complete well above the limit
    good = (np.asarray(cat["flags"]) == 0) & (np.asarray(cat["snr"]) > 10)
    d2, _ = cKDTree(np.column_stack([x, y])).query(
        np.column_stack([cat["x"][good], cat["y"][good]]))
    assert np.mean(d2 < 1.0) > 0.95  # and clean: real stars, not noise
    assert res.fwhm_arcsec == pytest.approx(fwhm_arcsec(1.2, 1.0), rel=0.15)


def test_the_wcs_offset_is_recovered(processed):
    res, s = processed["result"], processed["spec"]
    assert res.wcs_offset_arcsec == pytest.approx(math.hypot(EAST, NORTH), abs=0.3)
    assert res.wcs_rotation_deg == pytest.approx(-ROT, abs=0.01)
    assert res.astrometric_rms_arcsec < 0.2 and res.n_matched > 30
    fitted = WCS(fits.getheader(processed["out"].fits, 0))
    true = frame_wcs(s)
    grid = np.array([[0, 0], [SIZE_PX - 1, 0], [0, SIZE_PX - 1], [SIZE_PX - 1, SIZE_PX - 1],
                     [SIZE_PX / 2, SIZE_PX / 2]], dtype=float)
    a, b = true.wcs_pix2world(grid, 0), fitted.wcs_pix2world(grid, 0)
    err = np.hypot((a[:, 0] - b[:, 0]) * math.cos(math.radians(DEC_DEG)), a[:, 1] - b[:, 1])
    assert np.max(err) * 3600 < 1.0  # the corrected WCS is right to well within 1″
    header = shifted_wcs(s, EAST, NORTH, ROT).wcs_pix2world(grid, 0)
    assert np.max(np.hypot((a[:, 0] - header[:, 0]) * math.cos(math.radians(DEC_DEG)),
                           a[:, 1] - header[:, 1])) * 3600 > 4.0  # it was wrong before


def test_zero_point_and_magnitudes_match_the_catalogue(processed):
    res, cat = processed["result"], processed["catalog"]
    b = band("r")
    expected = zero_point("r", 1.3) - b.extinction_mag_airmass * 1.0
    # The fixed 1.5 FWHM aperture misses a few per cent of a Moffat star's light.
    assert expected - 0.15 < res.zero_point < expected
    assert res.zp_err < 0.02 and res.zp_stars >= 10
    sel = (np.asarray(cat["flags"]) == 0) & (np.asarray(cat["snr"]) > 50) & \
        (np.asarray(cat["ref_id"]) >= 0)
    delta = np.asarray(cat["mag"][sel] - cat["ref_mag"][sel])
    # A star hit by a cosmic ray is an honest outlier: look at the bulk.
    assert abs(np.median(delta)) < 0.02 and np.mean(np.abs(delta) < 0.05) > 0.85


def test_limiting_magnitude_is_where_detections_stop(processed):
    res, cat, s = processed["result"], processed["catalog"], processed["spec"]
    truth = star_catalog(RA_DEG, DEC_DEG, 0.15, "r")
    x, y = frame_wcs(s).wcs_world2pix(truth.ra_deg, truth.dec_deg, 0)
    inner = (x > 20) & (x < SIZE_PX - 21) & (y > 20) & (y < SIZE_PX - 21)
    from scipy.spatial import cKDTree

    d, _ = cKDTree(np.column_stack([cat["x"], cat["y"]])).query(np.column_stack([x, y]))
    found = d < 1.5
    above = inner & (truth.mag < res.limiting_mag - 0.3)
    below = inner & (truth.mag > res.limiting_mag + 1.0)
    assert np.mean(found[above]) > 0.9
    assert np.mean(found[below]) < 0.2


def test_a_correct_header_needs_no_correction(calib_masters, tmp_path):
    from pyros.pipeline.core.synthetic import write_raw_frame

    s = spec("light", DUSK + timedelta(hours=3), 30.0)
    raw = write_raw_frame(tmp_path / "ok.fits", s, META)
    out = OutputPaths(tmp_path / "r.fits", tmp_path / "r.ecsv", None)
    res = process_light(raw, calib_masters["paths"], out, sky_model_reference())
    assert res.wcs_offset_arcsec < 0.1 and abs(res.wcs_rotation_deg) < 0.005
    assert not (tmp_path / "r.png").exists()


def test_without_masters_the_frame_is_still_measured_and_says_so(tmp_path):
    from pyros.pipeline.core.process import MasterPaths
    from pyros.pipeline.core.synthetic import write_raw_frame

    s = spec("light", DUSK + timedelta(hours=4), 30.0)
    raw = write_raw_frame(tmp_path / "raw.fits", s, META)
    out = OutputPaths(tmp_path / "r.fits", tmp_path / "r.ecsv", None)
    res = process_light(raw, MasterPaths(), out, sky_model_reference())
    assert res.steps[0] == "gain"
    assert res.warnings == ["no master bias", "no master dark", "no master flat"]
    assert res.zero_point is not None  # photometry still works on the vignetted frame
