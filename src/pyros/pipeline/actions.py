"""Every write the pipeline makes: masters, reductions, burst analyses (Django side).

The algorithms are in :mod:`pyros.pipeline.core`; these functions choose the inputs from
the database, give the core deterministic output paths under ``settings.DATA_DIR`` and
record the results idempotently (see :mod:`pyros.pipeline.models`), so a task retried after
a crash — or delivered twice — leaves one row and one set of files.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max

from pyros import exchange
from pyros.atomicfile import write_atomically
from pyros.clock import get_clock, parse_utc
from pyros.execution.models import Frame
from pyros.pipeline.core import burst as burst_core
from pyros.pipeline.core import masters as masters_core
from pyros.pipeline.core.io import read_raw, write_fits_atomic
from pyros.pipeline.core.preview import light_curve_png
from pyros.pipeline.core.process import MasterPaths, OutputPaths, process_light
from pyros.pipeline.core.reference import ReferenceCatalog, sky_model_reference
from pyros.pipeline.models import BurstResult, MasterCalibration, ReducedFrame

log = logging.getLogger("pyros.pipeline")

__all__ = [
    "BurstRef",
    "analyse_burst",
    "best_masters",
    "build_masters",
    "reduce_frame",
    "stale_reductions",
]

CALIBRATION_KINDS = (Frame.Kind.BIAS, Frame.Kind.DARK, Frame.Kind.FLAT)


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def _rel(path: Path) -> str:
    return str(path.relative_to(data_dir()))


@lru_cache(maxsize=1)
def reference_catalog() -> ReferenceCatalog:
    """The field catalogue: the sky model's, with the simulator's seed (see docs)."""
    from pyros.config import load_config

    return sky_model_reference(load_config().simulator.seed)


def channel_full_well_e(channel: str) -> float | None:
    """The camera's full well from the observatory configuration (None if unknown)."""
    from pyros.config import load_config

    for ch in load_config().channels:
        if ch.name == channel:
            return float(ch.full_well_e)
    return None


# --- masters -----------------------------------------------------------------------------

def _digest(kind: str, filter_name: str, frames: list[Frame],
            deps: list[MasterCalibration | None]) -> str:
    h = hashlib.sha256(f"{kind}|{filter_name}|".encode())
    for sha in sorted(f.sha256 or f.path for f in frames):
        h.update(sha.encode())
    for dep in deps:
        h.update(f"|{dep.id if dep else 0}".encode())
    return h.hexdigest()


def _master_path(night: str, channel: str, kind: str, filter_name: str, version: int,
                 digest: str) -> Path:
    band = f"-{filter_name}" if filter_name else ""
    return (data_dir() / "masters" / night / channel
            / f"{kind}{band}-v{version:03d}-{digest[:8]}.fits")


def _send_master(master: MasterCalibration) -> None:
    """Announce a master to the instrument centre (once)."""
    payload = {
        "night": master.night, "channel": master.channel, "kind": master.kind,
        "filter": master.filter_name, "version": master.version, "path": master.path,
        "n_frames": master.n_frames, "width_px": master.width_px,
        "height_px": master.height_px, "stats": master.stats,
    }
    exchange.send(data_dir(), "IC", "calibration", payload, at=get_clock().now())
    MasterCalibration.objects.filter(pk=master.pk).update(sent_to_ic=True)
    master.sent_to_ic = True


def _store_master(night: str, channel: str, kind: str, filter_name: str,
                  frames: list[Frame], deps: dict[str, MasterCalibration | None],
                  build) -> MasterCalibration:
    """Build (unless these exact inputs were already combined) and record one master."""
    digest = _digest(kind, filter_name, frames, list(deps.values()))
    key = {"night": night, "channel": channel, "kind": kind, "filter_name": filter_name}
    existing = MasterCalibration.objects.filter(**key, inputs_digest=digest).first()
    if existing is None:
        master = build([read_raw(data_dir() / f.path) for f in frames])
        for _attempt in range(5):
            latest = MasterCalibration.objects.filter(**key).aggregate(v=Max("version"))["v"]
            version = (latest or 0) + 1
            path = _master_path(night, channel, kind, filter_name, version, digest)
            hdu = masters_core.master_hdu(master)
            hdu.header["VERSION"] = version
            write_fits_atomic(path, hdu)
            try:
                with transaction.atomic():
                    existing = MasterCalibration.objects.create(
                        **key, version=version, path=_rel(path), width_px=master.shape[1],
                        height_px=master.shape[0], n_frames=len(frames),
                        inputs_digest=digest, bias=deps.get("bias"), dark=deps.get("dark"),
                        stats=master.stats)
                    existing.frames.set(frames)
                break
            except IntegrityError:
                path.unlink(missing_ok=True)
                existing = MasterCalibration.objects.filter(**key, inputs_digest=digest).first()
                if existing is not None:  # another worker built the same inputs first
                    break
        else:
            raise RuntimeError(f"could not record master {kind} {night} {channel}")
        log.info("master %s built from %d frames: %s", existing, len(frames), existing.path)
    if not existing.sent_to_ic:
        _send_master(existing)
    return existing


def _latest_master(channel: str, kind: str, night: str, width: int, height: int,
                   filter_name: str = "") -> MasterCalibration | None:
    return (MasterCalibration.objects
            .filter(channel=channel, kind=kind, filter_name=filter_name, width_px=width,
                    height_px=height, night__lte=night)
            .order_by("-night", "-version").first())


def build_masters(night: str, channel: str) -> list[MasterCalibration]:
    """Build the night's master bias, dark and flats (per filter) for ``channel``.

    Frames are grouped by size (binning changes it); darks are corrected with the best
    master bias, flats with the best bias and dark — this night's, else the latest
    earlier ones.  Returns the masters (new or already existing for these inputs).
    """
    frames = list(Frame.objects.filter(night=night, channel=channel, complete=True,
                                       kind__in=CALIBRATION_KINDS).order_by("date_obs", "id"))
    groups: dict[tuple[int, int], dict[tuple[str, str], list[Frame]]] = defaultdict(
        lambda: defaultdict(list))
    for f in frames:
        band = f.filter_name if f.kind == Frame.Kind.FLAT else ""
        groups[(f.width_px, f.height_px)][(f.kind, band)].append(f)
    out: list[MasterCalibration] = []
    for (width, height), by_kind in groups.items():
        def best(kind: str, band: str = "", w: int = width, h: int = height):
            return _latest_master(channel, kind, night, w, h, band)

        if by_kind.get(("bias", "")):
            out.append(_store_master(night, channel, "bias", "", by_kind[("bias", "")], {},
                                     masters_core.build_master_bias))
        bias = best("bias")
        if by_kind.get(("dark", "")):
            if bias is None:
                log.warning("darks of %s %s without any master bias: skipped", night, channel)
            else:
                bias_frame = masters_core.load_master(data_dir() / bias.path, "bias")
                out.append(_store_master(
                    night, channel, "dark", "", by_kind[("dark", "")], {"bias": bias},
                    lambda raws, b=bias_frame: masters_core.build_master_dark(raws, b)))
        dark = best("dark")
        for (kind, band), fl in sorted(by_kind.items()):
            if kind != "flat":
                continue
            if bias is None:
                log.warning("flats %s of %s %s without a master bias: skipped", band, night,
                            channel)
                continue
            bias_frame = masters_core.load_master(data_dir() / bias.path, "bias")
            dark_frame = (masters_core.load_master(data_dir() / dark.path, "dark")
                          if dark else None)
            out.append(_store_master(
                night, channel, "flat", band, fl, {"bias": bias, "dark": dark},
                lambda raws, b=bias_frame, d=dark_frame: masters_core.build_master_flat(
                    raws, b, d)))
    return out


def best_masters(frame: Frame) -> dict[str, MasterCalibration | None]:
    """The masters for a science frame: same night and channel (and filter for the flat),
    else the most recent earlier ones; always of the frame's size."""
    args = (frame.night, frame.width_px, frame.height_px)
    return {
        "bias": _latest_master(frame.channel, "bias", *args),
        "dark": _latest_master(frame.channel, "dark", *args),
        "flat": _latest_master(frame.channel, "flat", *args, filter_name=frame.filter_name),
    }


def stale_reductions(night: str, channel: str) -> list[int]:
    """Light frames of the night whose reduction is missing or used other masters than the
    best ones now available (e.g. reduced before the morning flats were combined)."""
    stale = []
    lights = Frame.objects.filter(night=night, channel=channel, kind=Frame.Kind.LIGHT,
                                  complete=True).select_related("reduced")
    for frame in lights:
        red = getattr(frame, "reduced", None)
        best = best_masters(frame)
        if red is None or red.status == ReducedFrame.Status.FAILED or any(
                getattr(red, f"master_{k}_id") != (m.id if m else None)
                for k, m in best.items()):
            stale.append(frame.id)
    return stale


# --- reduction ---------------------------------------------------------------------------

def _products(frame: Frame) -> OutputPaths:
    stem = Path(frame.path).stem
    base = data_dir() / "reduced" / frame.night / frame.channel
    return OutputPaths(fits=base / f"{stem}.fits", catalog=base / f"{stem}.ecsv",
                       preview=base / f"{stem}.png")


def reduce_frame(frame_id: int) -> ReducedFrame:
    """Reduce, measure and calibrate a light frame; record it in its :class:`ReducedFrame`.

    Bad data (unreadable file, masters that do not fit) marks the reduction failed with
    the reason; database errors propagate so the task is retried.  Raises
    ``Frame.DoesNotExist`` and ``ValueError`` for a frame that is not a light.
    """
    frame = Frame.objects.get(pk=frame_id)
    if frame.kind != Frame.Kind.LIGHT:
        raise ValueError(f"frame {frame_id} is a {frame.kind}, not a light")
    red, _ = ReducedFrame.objects.get_or_create(frame=frame)
    ReducedFrame.objects.filter(pk=red.pk).update(
        attempts=F("attempts") + 1, status=ReducedFrame.Status.RUNNING,
        updated_at=get_clock().now())
    best = best_masters(frame)
    paths = MasterPaths(**{k: str(data_dir() / m.path) if m else None
                           for k, m in best.items()})
    out = _products(frame)
    fields: dict[str, Any] = {
        "master_bias": best["bias"], "master_dark": best["dark"], "master_flat": best["flat"],
    }
    try:
        result = process_light(data_dir() / frame.path, paths, out, reference_catalog(),
                               full_well_e=channel_full_well_e(frame.channel))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("reduction of frame %s failed: %s", frame_id, exc)
        fields.update(status=ReducedFrame.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
    else:
        fields.update(
            status=ReducedFrame.Status.DONE, error="", path=_rel(out.fits),
            catalog_path=_rel(out.catalog),
            preview_path=_rel(out.preview) if out.preview else "",
            **{k: getattr(result, k) for k in (
                "n_sources", "n_matched", "fwhm_arcsec", "background_e", "zero_point",
                "zp_err", "zp_stars", "wcs_offset_arcsec", "wcs_rotation_deg",
                "astrometric_rms_arcsec", "limiting_mag", "steps", "warnings", "timings_s")})
    fields["updated_at"] = get_clock().now()
    for name, value in fields.items():
        setattr(red, name, value)
    red.save(update_fields=list(fields))
    red.refresh_from_db(fields=["attempts"])
    return red


# --- burst analysis -------------------------------------------------------------------------

def burst_analysis_due(frame_id: int) -> int | None:
    """The alert whose follow-up should be analysed again now that ``frame_id`` is reduced.

    A burst fades in minutes: the analysis does not wait for the end of the sequence. It
    runs when the alert's reduced frames number 1, 2, 4, 8, … (the first result after
    the first frame, then a doubling, so a night costs a logarithmic number of
    re-analyses), and once more when this frame was the last one of a sequence that has
    ended (the execution agent's end-of-sequence call can come before its last frames are
    reduced).  None for a frame of no alert, or a reduction that failed.
    """
    from pyros.routines.lifecycle import FINAL

    frame = Frame.objects.select_related("sequence__request", "reduced").get(pk=frame_id)
    seq = frame.sequence
    if (seq is None or not seq.request.from_alert
            or frame.reduced.status != ReducedFrame.Status.DONE):
        return None
    alert_id = (apps.get_model("alerts", "Alert").objects.filter(request=seq.request)
                .values_list("pk", flat=True).first())
    if alert_id is None:
        return None
    lights = Frame.objects.filter(sequence__request=seq.request, kind=Frame.Kind.LIGHT)
    done = lights.filter(reduced__status=ReducedFrame.Status.DONE).count()
    if done & (done - 1) == 0:
        return alert_id
    unreduced = (lights.filter(sequence=seq)
                 .exclude(reduced__status__in=(ReducedFrame.Status.DONE,
                                               ReducedFrame.Status.FAILED)))
    if seq.status in {s.value for s in FINAL} and not unreduced.exists():
        return alert_id
    return None


@dataclass(frozen=True)
class BurstRef:
    """What a burst analysis follows: an alert, a request or a sequence (one of them), and
    optional overrides of the error circle and trigger time (else from the alert, or the
    sequence's target and its first frame)."""

    alert_id: int | None = None
    request_id: int | None = None
    sequence_id: int | None = None
    ra_deg: float | None = None
    dec_deg: float | None = None
    radius_deg: float | None = None
    trigger_time: str | None = None  # ISO-8601 (JSON-serialisable for the task)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BurstRef:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__
                if getattr(self, k) is not None}


#: Error circle used when neither the reference nor an alert gives one [deg].
DEFAULT_RADIUS_DEG = 5.0 / 60.0


def _resolve(ref: BurstRef) -> dict[str, Any]:
    """The key, links, sequences, circle and trigger of a burst reference."""
    from pyros.routines.models import Request, Sequence

    alert = request = sequence = None
    ra, dec, radius = ref.ra_deg, ref.dec_deg, ref.radius_deg
    trigger = parse_utc(ref.trigger_time) if ref.trigger_time else None
    if ref.alert_id is not None:
        alert = apps.get_model("alerts", "Alert").objects.get(pk=ref.alert_id)
        request = alert.request
        key = f"alert-{alert.pk}"
        ra = ra if ra is not None else (alert.pointed_ra_deg if alert.pointed_ra_deg is not None
                                        else alert.ra_deg)
        dec = dec if dec is not None else (alert.pointed_dec_deg
                                           if alert.pointed_dec_deg is not None
                                           else alert.dec_deg)
        radius = radius if radius is not None else (alert.error90_deg
                                                    or alert.error_radius_deg)
        trigger = trigger or alert.trigger_time or alert.first_received_at
    elif ref.request_id is not None:
        request = Request.objects.get(pk=ref.request_id)
        key = f"request-{request.pk}"
    elif ref.sequence_id is not None:
        sequence = Sequence.objects.get(pk=ref.sequence_id)
        request = sequence.request
        key = f"sequence-{sequence.pk}"
    else:
        raise ValueError("a burst reference needs an alert, a request or a sequence")
    sequences = [sequence] if sequence else list(request.sequences.all()) if request else []
    if (ra is None or dec is None) and sequences:
        ra, dec = sequences[0].ra_deg, sequences[0].dec_deg
    if ra is None or dec is None:
        raise ValueError(f"{key}: no position to search around")
    return {"key": key, "alert": alert, "request": request, "sequence": sequence,
            "sequences": sequences, "ra": float(ra), "dec": float(dec),
            "radius": float(radius) if radius else DEFAULT_RADIUS_DEG, "trigger": trigger}


def _payload_digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def analyse_burst(ref: BurstRef) -> BurstResult:
    """Search the follow-up's reduced frames for the afterglow; store, report and send it.

    Re-running with the same frames updates the same :class:`BurstResult`, rewrites the
    same report files and does not send the science centre the same result twice.
    Raises ``ValueError`` when the reference names nothing searchable.
    """
    info = _resolve(ref)
    frames = list(Frame.objects.filter(sequence__in=info["sequences"], kind=Frame.Kind.LIGHT,
                                       reduced__status=ReducedFrame.Status.DONE)
                  .select_related("reduced").order_by("date_obs", "id"))
    trigger: datetime = info["trigger"] or (frames[0].date_obs if frames else
                                            get_clock().now())
    epochs = [burst_core.load_epoch(data_dir() / f.reduced.path,
                                    data_dir() / f.reduced.catalog_path, str(f.pk))
              for f in frames]
    circle = burst_core.ErrorCircle(info["ra"], info["dec"], info["radius"])
    analysis = burst_core.analyse_burst(epochs, circle, trigger, reference_catalog())

    folder = data_dir() / "bursts" / info["key"]
    report = {
        "key": info["key"], "alert_id": info["alert"].pk if info["alert"] else None,
        "request_id": info["request"].pk if info["request"] else None,
        "sequence_id": info["sequence"].pk if info["sequence"] else None,
        "trigger_time": trigger.isoformat(),
        "error_circle": {"ra_deg": circle.ra_deg, "dec_deg": circle.dec_deg,
                         "radius_deg": circle.radius_deg},
        "frames": [f.pk for f in frames], **analysis.to_dict(),
    }
    report_path = write_atomically(folder / "report.json",
                                     json.dumps(report, indent=1, default=str).encode())
    det = [p for p in analysis.light_curve if p.detected and p.mag is not None]
    fit = None
    if analysis.decay_index is not None:
        fit = (analysis.decay_index, analysis.decay_ref_mag, analysis.decay_ref_t_s)
    png = light_curve_png([p.t_s for p in det], [p.mag for p in det],
                          [p.mag_err or 0.0 for p in det], fit=fit,
                          upper_limits=[(p.t_s, p.upper_limit_mag) for p in analysis.light_curve
                                        if not p.detected and p.upper_limit_mag is not None],
                          title=f"{info['key']} ({analysis.filter_name or '-'})")
    png_path = write_atomically(folder / "lightcurve.png", png)

    fields = {
        "alert_id": info["alert"].pk if info["alert"] else None,
        "request": info["request"], "sequence": info["sequence"], "trigger_time": trigger,
        "circle_ra_deg": circle.ra_deg, "circle_dec_deg": circle.dec_deg,
        "circle_radius_deg": circle.radius_deg, "n_frames": len(frames),
        "found": analysis.found, "kind": analysis.kind, "reason": analysis.reason[:255],
        "ra_deg": analysis.ra_deg, "dec_deg": analysis.dec_deg,
        "position_err_arcsec": analysis.position_err_arcsec, "mag": analysis.mag,
        "mag_err": analysis.mag_err, "mag_t_s": analysis.mag_t_s,
        "filter_name": analysis.filter_name, "decay_index": analysis.decay_index,
        "decay_index_err": analysis.decay_index_err,
        "light_curve": json.loads(json.dumps(report["light_curve"], default=str)),
        "report_path": _rel(report_path), "light_curve_png": _rel(png_path),
        "updated_at": get_clock().now(),
    }
    with transaction.atomic():
        result, _ = BurstResult.objects.update_or_create(key=info["key"], defaults=fields)
        result.frames.set(frames)
    _send_burst(result, report)
    return result


def _send_burst(result: BurstResult, report: dict[str, Any]) -> None:
    """Send the analysis to the science centre unless this exact content was sent."""
    payload = dict(report)
    payload["report_path"] = result.report_path
    payload["light_curve_png"] = result.light_curve_png
    digest = _payload_digest(payload)
    if result.sent_digest == digest:
        return
    now = get_clock().now()
    exchange.send(data_dir(), "FSC", "burst-analysis", payload, at=now)
    BurstResult.objects.filter(pk=result.pk).update(sent_to_fsc=True, sent_digest=digest,
                                                    sent_at=now)
    result.sent_to_fsc, result.sent_digest, result.sent_at = True, digest, now
