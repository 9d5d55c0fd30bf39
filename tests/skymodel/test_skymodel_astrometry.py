"""The frame's WCS and the catalogue agree with what is drawn, to well under a pixel."""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.wcs.utils import proj_plane_pixel_scales
from skymodel_measure import fit_moffat, isolated_bright, make_spec

from pyros.skymodel import frame_wcs, render_frame, star_catalog


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"rotation_deg": 37.0},
        {"bin_x": 2, "bin_y": 2, "seeing_arcsec": 1.6},
        {"start_x": 100, "start_y": 50, "num_x": 700, "num_y": 600},
    ],
    ids=["plain", "rotated", "binned", "subframe"],
)
def test_centroids_of_isolated_stars_match_the_catalogue_through_the_wcs(kw):
    spec = make_spec(ra_deg=300.0, dec_deg=30.0, width_px=1024, height_px=1024,
                     exposure_s=20.0, **kw)
    img = render_frame(spec)
    _cat, x, y, keep = isolated_bright(spec)
    assert len(keep) >= 5, "test field should hold several isolated bright stars"
    err = []
    for k in keep:
        fit = fit_moffat(img, x[k], y[k], half=8)
        err.append(math.hypot(fit["x"] - x[k], fit["y"] - y[k]))
    err = np.array(err)
    assert np.median(err) < 0.05
    assert err.max() < 0.1


def test_wcs_has_the_pointing_scale_and_orientation():
    spec = make_spec(width_px=800, height_px=600, bin_x=2, bin_y=2, rotation_deg=0.0)
    w = frame_wcs(spec)
    ny, nx = spec.shape
    assert (nx, ny) == (400, 300)
    ra, dec = w.wcs_pix2world([[(nx - 1) / 2, (ny - 1) / 2]], 0)[0]
    assert ra == pytest.approx(spec.ra_deg, abs=1e-9)
    assert dec == pytest.approx(spec.dec_deg, abs=1e-9)
    scales_arcsec = proj_plane_pixel_scales(w) * 3600
    assert scales_arcsec == pytest.approx([0.762, 0.762])
    # North is +y and east is -x when rotation is zero.
    x_n, y_n = w.wcs_world2pix([[spec.ra_deg, spec.dec_deg + 0.01]], 0)[0]
    x_e, _y_e = w.wcs_world2pix([[spec.ra_deg + 0.01, spec.dec_deg]], 0)[0]
    assert y_n > (ny - 1) / 2 and abs(x_n - (nx - 1) / 2) < 1e-6
    assert x_e < (nx - 1) / 2


def test_rotation_turns_the_y_axis_from_north_through_east():
    spec = make_spec(rotation_deg=90.0)
    w = frame_wcs(spec)
    cx, cy = w.wcs_world2pix([[spec.ra_deg, spec.dec_deg]], 0)[0]
    x_n, y_n = w.wcs_world2pix([[spec.ra_deg, spec.dec_deg + 0.01]], 0)[0]
    x_e, y_e = w.wcs_world2pix([[spec.ra_deg + 0.01, spec.dec_deg]], 0)[0]
    assert abs(y_n - cy) < 1e-6 and x_n - cx > 50  # north is now +x
    assert abs(x_e - cx) < 0.01 and y_e - cy > 50  # and +y points east (TAN curvature)


def test_subframe_wcs_is_the_full_frame_wcs_shifted():
    full = make_spec()
    sub = make_spec(start_x=40, start_y=70, num_x=100, num_y=120)
    ra, dec = 192.86 + 0.01, 27.13 - 0.005
    xf, yf = frame_wcs(full).wcs_world2pix([[ra, dec]], 0)[0]
    xs, ys = frame_wcs(sub).wcs_world2pix([[ra, dec]], 0)[0]
    assert xs == pytest.approx(xf - 40, abs=1e-9)
    assert ys == pytest.approx(yf - 70, abs=1e-9)
    # and the pixels are the same pixels
    img_full = render_frame(make_spec(frame_type="flat"))
    img_sub = render_frame(make_spec(frame_type="flat", start_x=40, start_y=70,
                                     num_x=100, num_y=120))
    ratio = img_sub.astype(float) / img_full[70:190, 40:140]
    assert np.median(ratio) == pytest.approx(1.0, abs=0.002)


def test_catalogue_is_the_same_from_overlapping_cones():
    a = star_catalog(10.0, 5.0, 0.3, "r")
    b = star_catalog(10.2, 5.1, 0.3, "r")
    common = np.intersect1d(a.star_id, b.star_id)
    assert common.size > 50
    ia = np.searchsorted(a.star_id, common)
    ib = np.searchsorted(b.star_id, common)
    np.testing.assert_array_equal(a.ra_deg[ia], b.ra_deg[ib])
    np.testing.assert_array_equal(a.mag[ia], b.mag[ib])


def test_catalogue_cones_across_ra_zero_and_the_pole():
    c = star_catalog(0.02, 0.0, 0.2, "r")
    assert np.any(c.ra_deg > 359.5) and np.any(c.ra_deg < 0.5)
    sep = np.degrees(np.arccos(np.cos(np.radians(c.dec_deg)) * np.cos(np.radians(c.ra_deg - 0.02))))
    assert sep.max() <= 0.2 + 1e-9
    p = star_catalog(123.0, 89.9, 0.3, "r")
    assert len(p) > 0 and p.dec_deg.min() >= 89.6 - 1e-9
    assert np.ptp(p.ra_deg) > 300  # the cap is covered all round
