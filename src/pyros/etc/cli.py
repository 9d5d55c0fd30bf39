"""``pyros etc``: exposure time calculator on the command line.

    pyros etc --mag 18 --filter r --snr 10        exposure time for S/N 10
    pyros etc --mag 18 --filter r --exptime 60    S/N in 60 s
    pyros etc --filter r --snr 5 --exptime 300    limiting magnitude

Telescope aperture and detector parameters come from the observatory configuration (the
channel holding the filter, or ``--channel``); every one can be overridden.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "etc",
        help="exposure time calculator (S/N, exposure time, limiting magnitude)",
        description="Point-source S/N from the CCD equation with an optimal aperture. "
        "Give two of --mag, --snr, --exptime.",
    )
    p.add_argument("--filter", required=True, help="filter name (g r i z J H)")
    p.add_argument("--mag", type=float, help="AB magnitude of the source")
    p.add_argument("--snr", type=float, help="target signal-to-noise ratio")
    p.add_argument("--exptime", type=float, help="exposure time (s)")
    p.add_argument("--channel", help="instrument channel (default: the one with the filter)")
    p.add_argument("--seeing", type=float, help="zenith seeing FWHM (arcsec; default config)")
    p.add_argument("--airmass", type=float, default=1.0)
    p.add_argument("--sky-mag", type=float, help="sky brightness (AB mag/arcsec²)")
    p.add_argument("--moon-illum", type=float, help="Moon illuminated fraction 0..1")
    p.add_argument("--moon-sep", type=float, default=90.0, help="Moon separation (deg)")
    p.add_argument("--moon-alt", type=float, default=45.0, help="Moon altitude (deg)")
    p.add_argument("--binning", type=int, default=1)
    p.add_argument("--aperture", type=float, help="telescope aperture (m)")
    p.add_argument("--throughput", type=float, help="optics × filter × QE (0..1)")
    p.add_argument("--read-noise", type=float, help="read noise (e⁻ rms)")
    p.add_argument("--dark", type=float, help="dark current (e⁻/s/pixel)")
    p.add_argument("--gain", type=float, help="gain (e⁻/ADU)")
    p.add_argument("--pixel-scale", type=float, help="unbinned pixel scale (arcsec)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def _instrument(args: argparse.Namespace):
    from dataclasses import replace

    from pyros.config import load_config
    from pyros.etc.config import instrument_from_config

    config = load_config()
    inst = instrument_from_config(config, args.channel, args.filter, args.binning)
    overrides = {
        "aperture_m": args.aperture,
        "throughput": args.throughput,
        "read_noise_e": args.read_noise,
        "dark_current_e_s": args.dark,
        "gain_e_adu": args.gain,
        "pixel_scale_arcsec": args.pixel_scale,
    }
    inst = replace(inst, **{k: v for k, v in overrides.items() if v is not None})
    seeing = args.seeing if args.seeing is not None else config.simulator.seeing_arcsec
    return inst, seeing


def run(args: argparse.Namespace) -> int:
    from pyros.etc.calculator import (
        Conditions,
        exptime_for_snr,
        limiting_magnitude,
        snr_for_exptime,
    )

    given = [x is not None for x in (args.mag, args.snr, args.exptime)]
    if sum(given) != 2:
        print("pyros etc: give exactly two of --mag, --snr, --exptime", file=sys.stderr)
        return 2
    try:
        inst, seeing = _instrument(args)
        cond = Conditions(
            seeing_arcsec=seeing,
            airmass=args.airmass,
            sky_mag_arcsec2=args.sky_mag,
            moon_illumination=args.moon_illum,
            moon_separation_deg=args.moon_sep,
            moon_alt_deg=args.moon_alt,
        )
        if args.mag is None:
            res = limiting_magnitude(args.filter, args.snr, args.exptime, inst, cond)
            mode = "limiting magnitude"
        elif args.exptime is None:
            res = exptime_for_snr(args.mag, args.filter, args.snr, inst, cond)
            mode = "exposure time"
        else:
            res = snr_for_exptime(args.mag, args.filter, args.exptime, inst, cond)
            mode = "signal-to-noise"
    except (ValueError, KeyError) as exc:
        print(f"pyros etc: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"mode": mode, **res.to_dict()}, indent=2))
        return 0
    print(f"{mode}: AB {res.filter_name} = {res.mag:.2f}, S/N = {res.snr:.1f}, "
          f"exposure = {res.exptime_s:.2f} s")
    print(f"  source {res.source_e:.0f} e⁻ ({res.source_in_aperture_e:.0f} in an aperture of "
          f"radius {res.aperture_radius_arcsec:.2f}″, {res.n_pix:.0f} px)")
    print(f"  sky {res.sky_mag_arcsec2:.2f} mag/arcsec² = {res.sky_e_per_pix:.1f} e⁻/px, "
          f"dark {res.dark_e_per_pix:.2f} e⁻/px, read noise {res.read_noise_e:.1f} e⁻")
    print(f"  FWHM {res.fwhm_arcsec:.2f}″, zero point {res.zero_point:.2f} (1 e⁻/s), "
          f"peak pixel {res.peak_e:.0f} e⁻ of {res.full_well_e:.0f}")
    if res.saturated:
        print("  WARNING: the peak pixel saturates; use a shorter exposure or defocus")
    return 0
