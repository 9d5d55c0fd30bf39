"""The raw-data archive: every frame written to ``<data dir>/raw/<night>/<channel>/`` and
recorded in the database, in that order, so that no frame can be lost silently."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from pathlib import Path

from astropy.io import fits
from django.conf import settings
from django.db import transaction

from pyros.clock import parse_utc
from pyros.devices import Image
from pyros.execution.fits import FrameMeta, build_header, write_fits
from pyros.execution.models import Frame, SequenceRun

log = logging.getLogger("pyros.execution")


def night_label(night_start: datetime, longitude_deg: float) -> str:
    """YYYYMMDD of the local (mean solar) evening on which the night begins."""
    return (night_start + timedelta(hours=longitude_deg / 15.0)).strftime("%Y%m%d")


def frame_path(meta: FrameMeta, index: int) -> Path:
    """Relative archive path; unique per frame (time to the millisecond + index)."""
    stamp = meta.date_obs.strftime("%Y%m%dT%H%M%S%f")[:-3]
    seq = f"s{meta.sequence_id}" if meta.sequence_id else meta.kind
    name = f"{meta.channel}-{stamp}-{seq}-{meta.filter_name or 'none'}-{index:03d}.fits"
    return Path("raw") / meta.night / meta.channel / name


def archive_frame(image: Image, meta: FrameMeta, index: int,
                  run: SequenceRun | None = None) -> Frame:
    """Write the FITS file, then record it; returns the Frame row."""
    rel = frame_path(meta, index)
    header = build_header(meta, image.data.shape)
    digest = write_fits(Path(settings.DATA_DIR) / rel, image.data, header)
    ny, nx = image.data.shape
    with transaction.atomic():
        frame = Frame.objects.create(
            run=run, sequence_id=meta.sequence_id, night=meta.night, channel=meta.channel,
            camera=meta.camera, kind=meta.kind, filter_name=meta.filter_name,
            exposure_s=meta.exposure_s, date_obs=meta.date_obs, ra_deg=meta.ra_deg,
            dec_deg=meta.dec_deg, airmass=meta.airmass, path=str(rel), sha256=digest,
            width_px=nx, height_px=ny, complete=meta.complete,
        )
        if run is not None:
            SequenceRun.objects.filter(pk=run.pk).update(frames_taken=run.frames.count())
    return frame


def adopt_orphans(data_dir: Path | None = None) -> list[Frame]:
    """Record archived FITS files that have no database row (a crash between the two)."""
    root = Path(data_dir or settings.DATA_DIR)
    raw = root / "raw"
    if not raw.exists():
        return []
    known = set(Frame.objects.values_list("path", flat=True))
    adopted = []
    for path in sorted(raw.rglob("*.fits")):
        rel = str(path.relative_to(root))
        if rel in known or path.name.startswith(".tmp-"):
            continue
        try:
            with fits.open(path) as hdul:
                h = hdul[0].header
                ny, nx = hdul[0].data.shape
            frame = Frame.objects.create(
                sequence_id=h.get("SEQUENCE") or None, night=str(h.get("NIGHT", "")),
                channel=h.get("INSTRUME", ""), camera=h.get("CAMERA", ""),
                kind=str(h.get("IMAGETYP", "light")).lower(),
                filter_name=h.get("FILTER", ""), exposure_s=float(h.get("EXPTIME", 0.0)),
                date_obs=parse_utc(h["DATE-OBS"]), ra_deg=h.get("RA") or None,
                dec_deg=h.get("DEC") or None, airmass=h.get("AIRMASS") or None, path=rel,
                sha256=hashlib.sha256(path.read_bytes()).hexdigest(), width_px=nx,
                height_px=ny, complete=bool(h.get("COMPLETE", True)),
            )
            adopted.append(frame)
            log.warning("adopted archived frame without a record: %s", rel)
        except Exception as exc:  # noqa: BLE001 - a damaged file must not stop the agent
            log.error("cannot adopt %s: %s", rel, exc)
    return adopted
