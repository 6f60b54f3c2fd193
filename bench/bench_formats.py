"""Frames as WebP or AVIF against the stored JPEG, at equal visual quality (SSIM); used by
``bench_storage.py``, runnable alone.

For each video: frames sampled at ``fps`` and scaled as the frames stage does (longer side
``max_side``, libswscale through PyAV) are the reference pixels. The JPEG of the defaults
(Pillow, quality 75, optimised Huffman tables: :func:`polimodal.extract.frames.encode_jpeg`)
sets the target: its mean SSIM to the reference. WebP and AVIF (Pillow's own plugins) are
then encoded at the lowest quality whose mean SSIM reaches that target (bisection over the
quality), and the table gives bytes per frame and CPU milliseconds per frame to encode and to
decode (process time, all threads; one frame at a time).

SSIM: Wang et al. (2004) on the luma (BT.601), Gaussian window sigma 1.5, K1 0.01, K2 0.03,
the mean over the picture (scikit-image's ``structural_similarity(gaussian_weights=True)``;
scikit-image is not installed here, so it is written with scipy).

    .venv/bin/python bench/bench_formats.py VIDEO ... [--fps 1] [--max-side 384]
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, features
from scipy.ndimage import gaussian_filter

from polimodal.extract.frames import FrameOptions, encode_jpeg, target_size

#: name → (encode(image, quality) → bytes); JPEG is the reference at the frames stage's quality.
FORMATS: dict[str, Callable[[Image.Image, int], bytes]] = {}


def _saver(fmt: str, **extra: object) -> Callable[[Image.Image, int], bytes]:
    def save(image: Image.Image, quality: int) -> bytes:
        buf = io.BytesIO()
        image.save(buf, format=fmt, quality=int(quality), **extra)
        return buf.getvalue()

    return save


FORMATS["jpeg"] = lambda image, quality: encode_jpeg(image, quality)
if features.check("webp"):
    FORMATS["webp"] = _saver("WEBP", method=4)  # Pillow's default effort
if features.check("avif"):
    FORMATS["avif"] = _saver("AVIF", speed=6)  # Pillow's default speed


def sample_frames(path: Path, fps: float, max_side: int) -> list[np.ndarray]:
    """RGB frames on screen at 0, 1/fps, 2/fps, … seconds, scaled as the frames stage does."""
    out: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        tb = stream.time_base or Fraction(1, 90000)
        size = target_size(stream.codec_context.width, stream.codec_context.height, max_side)
        nxt, last = 0.0, None
        for frame in container.decode(stream):
            t = float((frame.pts or 0) * tb)
            while t > nxt + 1e-6 and last is not None:  # the frame on screen at nxt is the previous one
                out.append(last)
                nxt += 1 / fps
            last = frame.to_ndarray(width=size[0], height=size[1], format="rgb24")
            if abs(t - nxt) <= 1e-6:
                out.append(last)
                nxt += 1 / fps
    return out


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two RGB uint8 images on their luma (see the module docstring)."""
    x, y = _luma(a), _luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda z: gaussian_filter(z, 1.5, truncate=3.5)  # noqa: E731
    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(s.mean())


def _measure(frames: list[np.ndarray], fmt: str, quality: int) -> dict[str, float]:
    encode = FORMATS[fmt]
    sizes, sims, enc, dec = [], [], 0.0, 0.0
    for rgb in frames:
        image = Image.fromarray(rgb)
        t0 = time.process_time()
        data = encode(image, quality)
        t1 = time.process_time()
        back = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        dec += time.process_time() - t1
        enc += t1 - t0
        sizes.append(len(data))
        sims.append(ssim(rgb, back))
    n = len(frames)
    return {"quality": quality, "bytes": float(np.mean(sizes)), "ssim": float(np.mean(sims)),
            "enc_ms": enc / n * 1e3, "dec_ms": dec / n * 1e3}  # fmt: skip


def equal_quality(frames: list[np.ndarray], fmt: str, target: float) -> dict[str, float]:
    """``fmt`` at the lowest quality (1-100) whose mean SSIM reaches ``target`` (bisection)."""
    lo, hi = 1, 100
    best = _measure(frames, fmt, hi)
    if best["ssim"] < target:
        return best  # cannot reach it: the best it does
    while lo < hi:
        mid = (lo + hi) // 2
        m = _measure(frames, fmt, mid)
        if m["ssim"] >= target:
            hi, best = mid, m
        else:
            lo = mid + 1
    return best


def bench_formats(videos: list[Path], fps: float = 1.0, max_side: int | None = None) -> dict[str, dict]:
    """Print and return, per video, each format's numbers at the default JPEG's SSIM."""
    defaults = FrameOptions()
    max_side = defaults.max_side if max_side is None else max_side
    print(f"\nframe formats at equal SSIM (JPEG q{defaults.jpeg_quality} = the target; {fps:g} fps, "
          f"max side {max_side}; CPU ms per frame, all threads):")  # fmt: skip
    print(f"  {'video':<24} {'format':<6} {'quality':>7} {'SSIM':>7} {'KB/frame':>9} {'vs JPEG':>8}"
          f" {'enc ms':>7} {'dec ms':>7}")  # fmt: skip
    results: dict[str, dict] = {}
    for video in videos:
        frames = sample_frames(video, fps, max_side)
        ref = _measure(frames, "jpeg", defaults.jpeg_quality)
        rows = {"jpeg": ref}
        for fmt in FORMATS:
            if fmt != "jpeg":
                rows[fmt] = equal_quality(frames, fmt, ref["ssim"])
        for fmt, m in rows.items():
            print(f"  {video.name:<24} {fmt:<6} {m['quality']:7d} {m['ssim']:7.4f} {m['bytes'] / 1e3:9.2f}"
                  f" {m['bytes'] / ref['bytes']:8.2f} {m['enc_ms']:7.2f} {m['dec_ms']:7.2f}")  # fmt: skip
        results[video.name] = rows
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path, nargs="+")
    parser.add_argument("--fps", type=float, default=1.0)
    parser.add_argument("--max-side", type=int, default=None)
    args = parser.parse_args()
    bench_formats(args.video, args.fps, args.max_side)


if __name__ == "__main__":
    main()
