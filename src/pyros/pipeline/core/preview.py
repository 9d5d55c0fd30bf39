"""PNG previews (Pillow): a stretched thumbnail of a frame and a light-curve plot.

matplotlib is not a dependency of PyROS, so plots are drawn with Pillow's ImageDraw: enough
for a quick-look light curve (points, error bars, the fitted power law, labelled log-time
axis), and it keeps workers light.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np

__all__ = ["frame_png", "light_curve_png"]


def _block_mean(data: np.ndarray, max_px: int) -> np.ndarray:
    f = max(1, math.ceil(max(data.shape) / max_px))
    if f == 1:
        return data
    ny, nx = (data.shape[0] // f) * f, (data.shape[1] // f) * f
    return data[:ny, :nx].reshape(ny // f, f, nx // f, f).mean(axis=(1, 3))


def frame_png(data: np.ndarray, *, max_px: int = 1024,
              marks: Sequence[tuple[float, float, float]] = ()) -> bytes:
    """PNG bytes of ``data`` (y, x), north up as stored (row 0 at the bottom).

    Stretch: asinh between the median − 2σ and the 99.7th percentile.  ``marks`` are
    circles (x, y, radius) in the frame's pixels, drawn in the preview's scale.
    """
    from PIL import Image, ImageDraw

    small = _block_mean(np.asarray(data, dtype=np.float32), max_px)
    scale = small.shape[1] / data.shape[1]
    finite = small[np.isfinite(small)]
    lo = float(np.median(finite) - 2.0 * np.std(finite[: 100_000])) if finite.size else 0.0
    hi = float(np.percentile(finite, 99.7)) if finite.size else 1.0
    norm = np.clip((np.nan_to_num(small, nan=lo) - lo) / max(hi - lo, 1e-6), 0, 1)
    img8 = (255 * np.arcsinh(10 * norm) / np.arcsinh(10)).astype(np.uint8)
    image = Image.fromarray(img8[::-1], mode="L").convert("RGB")
    draw = ImageDraw.Draw(image)
    h = image.height
    for x, y, r in marks:
        cx, cy, rr = x * scale, h - 1 - y * scale, max(4.0, r * scale)
        draw.ellipse([cx - rr, cy - rr, cx + rr, cy + rr], outline=(255, 60, 60), width=2)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def light_curve_png(t_s: Sequence[float], mag: Sequence[float], mag_err: Sequence[float], *,
                    fit: tuple[float, float, float] | None = None,
                    upper_limits: Sequence[tuple[float, float]] = (), title: str = "",
                    size: tuple[int, int] = (800, 520)) -> bytes:
    """A light curve: magnitude (bright up) against log time since trigger [s].

    ``fit`` is (alpha, mag_at_t_ref, t_ref_s) of m = m_ref + 2.5 α log10(t / t_ref);
    ``upper_limits`` are (t_s, limiting mag) drawn as down-pointing triangles.
    """
    from PIL import Image, ImageDraw

    w, h = size
    left, right, top, bottom = 70, 20, 40, 50
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    ts = [t for t in t_s if t > 0] + [t for t, _ in upper_limits if t > 0]
    ms = list(mag) + [m for _, m in upper_limits]
    if not ts or not ms:
        draw.text((left, top), "no measurements", fill="black")
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        return buf.getvalue()
    lt0 = math.floor(math.log10(min(ts)) * 4) / 4 - 0.1
    lt1 = math.ceil(math.log10(max(ts)) * 4) / 4 + 0.1
    errs = [e if np.isfinite(e) else 0.0 for e in mag_err] + [0.0] * len(upper_limits)
    m0 = min(m - e for m, e in zip(ms, errs, strict=True)) - 0.3
    m1 = max(m + e for m, e in zip(ms, errs, strict=True)) + 0.3

    def px(t: float, m: float) -> tuple[float, float]:
        u = left + (math.log10(t) - lt0) / (lt1 - lt0) * (w - left - right)
        v = top + (m - m0) / (m1 - m0) * (h - top - bottom)  # bright (small m) at the top
        return u, v

    draw.rectangle([left, top, w - right, h - bottom], outline="black")
    for k in range(math.ceil(lt0), math.floor(lt1) + 1):
        u, _ = px(10.0**k, m0)
        draw.line([u, h - bottom, u, h - bottom + 6], fill="black")
        draw.text((u - 12, h - bottom + 10), f"1e{k}", fill="black")
    for m in np.arange(math.ceil(m0 * 2) / 2, m1, 0.5 if m1 - m0 < 4 else 1.0):
        _, v = px(10.0**lt0, float(m))
        draw.line([left - 6, v, left, v], fill="black")
        draw.text((8, v - 6), f"{m:.1f}", fill="black")
    draw.text((w // 2 - 80, h - 22), "time since trigger [s]", fill="black")
    draw.text((left, 10), title or "light curve (AB mag)", fill="black")
    if fit is not None:
        alpha, m_ref, t_ref = fit
        pts = []
        for lt in np.linspace(lt0, lt1, 50):
            pts.append(px(10.0**lt, m_ref + 2.5 * alpha * (lt - math.log10(t_ref))))
        pts = [(u, v) for u, v in pts if top <= v <= h - bottom]
        if len(pts) > 1:
            draw.line(pts, fill=(40, 90, 220), width=2)
        draw.text((w - right - 150, top + 8), f"alpha = {alpha:.2f}", fill=(40, 90, 220))
    for t, m, e in zip(t_s, mag, mag_err, strict=True):
        u, v = px(t, m)
        if np.isfinite(e) and e > 0:
            _, v0 = px(t, m - e)
            _, v1 = px(t, m + e)
            draw.line([u, v0, u, v1], fill="black", width=1)
        draw.ellipse([u - 4, v - 4, u + 4, v + 4], fill=(200, 30, 30), outline="black")
    for t, m in upper_limits:
        u, v = px(t, m)
        draw.polygon([(u - 5, v - 4), (u + 5, v - 4), (u, v + 6)], outline=(120, 120, 120))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
