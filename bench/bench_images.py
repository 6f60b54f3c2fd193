"""Benchmark: post images fetched over loopback HTTP and normalised (images/s).

Photo-like JPEGs (1600×1200, smooth gradients + noise, EXIF orientation 6) and PNGs are served by
a loopback HTTP server; :class:`~polimodal.extract.images.ImageFetcher` (``sleep_interval: 0``:
the politeness pause is a setting, not a cost) fetches them and
:func:`~polimodal.extract.images.normalise_image` (max_side 640, JPEG 90) normalises them. The
reference is the bare Pillow chain in the same process (open, convert RGB, thumbnail, save),
without the checks (EXIF transpose, HTML sniffing, decompression-bomb guard, alpha compositing).

    .venv/bin/python bench/bench_images.py [N]
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from polimodal.extract.images import ImageFetcher, normalise_image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import serve_folder  # noqa: E402  (the tests' loopback server)


def photo(i: int, fmt: str) -> bytes:
    rng = np.random.default_rng(i)
    h, w = 1200, 1600
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 255 // w), (y * 255 // h), ((x + y + 97 * i) % 256)], axis=-1)
    pixels = (base + rng.integers(-20, 21, size=(h, w, 3))).clip(0, 255).astype("uint8")
    buf = io.BytesIO()
    img = Image.fromarray(pixels)
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x0112] = 6
        img.save(buf, format="JPEG", quality=88, exif=exif)
    else:
        img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def bare(data: bytes) -> bytes:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    img.thumbnail((640, 640))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = []
        for i in range(n):
            fmt = "JPEG" if i % 4 else "PNG"
            name = f"img{i:04d}.{'jpg' if fmt == 'JPEG' else 'png'}"
            (folder / name).write_bytes(photo(i, fmt))
            names.append(name)
        total_mb = sum((folder / m).stat().st_size for m in names) / 1e6
        with serve_folder(folder) as url:
            fetcher = ImageFetcher(retries=0, sleep_interval=0, socket_timeout=30)
            t0 = time.perf_counter()
            blobs = [fetcher.fetch(f"{url}/{m}") for m in names]
            t_fetch = time.perf_counter() - t0
        t0 = time.perf_counter()
        for data in blobs:
            normalise_image(data, max_side=640, jpeg_quality=90)
        t_norm = time.perf_counter() - t0
        t0 = time.perf_counter()
        for data in blobs:
            bare(data)
        t_bare = time.perf_counter() - t0
    print(f"{n} images (3/4 JPEG 1600x1200 with EXIF rotation, 1/4 PNG), {total_mb:.1f} MB")
    print(f"fetch (loopback http):        {n / t_fetch:7.1f} images/s")
    print(f"normalise (polimodal):        {n / t_norm:7.1f} images/s")
    print(f"fetch + normalise:            {n / (t_fetch + t_norm):7.1f} images/s")
    print(
        f"bare Pillow chain (reference):{n / t_bare:7.1f} images/s  "
        f"(normalise / bare time: {t_norm / t_bare:.2f})"
    )


if __name__ == "__main__":
    main()
