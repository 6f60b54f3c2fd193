"""Benchmark: CPU cost of the ocr stage per hour of video, against RapidOCR's bare calls.

``ocr_shard`` does everything: stream a FRAMES Parquet file, decode each kept JPEG, run
RapidOCR's detection and recognition (PP-OCRv6 small, from its wheel), order and deduplicate the
lines, write OCR_LINES / OCR_TEXTS / OCR_SKIPPED. The reference is the same RapidOCR engine called
on the same frames, already decoded in memory. The ratio (target >= 0.9) is the share of the
engine's speed that the stage keeps.

    .venv/bin/python bench/bench_ocr.py [--frames 40] [--threads 1] [--size 384x216]

Frames are drawn by ffmpeg (:mod:`polimodal.synthetic.screen`): half carry two lines of text
(French, German, Spanish, with accents) over a plain, a textured or a colour-bar picture, half
carry no text (detection then finds nothing, and recognition does not run). ``--size``: the
stored frames' default (``frames.max_side: 384``). Cost per hour of video at 1 fps =
core-seconds per kept frame x 3,600 x the kept share (dedup keeps 0.60-0.90 of real footage's
frames, docs/cluster.md "Stored bytes per footage"; 0.9 is used, an upper bound).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from polimodal.corpus.schemas import DEDUP, FRAMES, write_parquet
from polimodal.extract.ocr import OcrOptions, load_ocr, ocr_shard
from polimodal.synthetic.screen import TEXTS, text_frame

BACKGROUNDS = ("color=c=navy", "mandelbrot", "smptebars")
KEPT_SHARE = 0.9


def make_frames(tmp: Path, n: int, size: tuple[int, int]) -> tuple[Path, Path, list[bytes]]:
    """A FRAMES file (one video) of ``n`` frames, every other one with text, and its DEDUP (all kept)."""
    langs = list(TEXTS)
    jpegs = []
    for i in range(n):
        lines = TEXTS[langs[i // 2 % len(langs)]] if i % 2 == 0 else ()
        background = BACKGROUNDS[i // 2 % len(BACKGROUNDS)]
        font = max(12, size[1] // 12)
        jpegs.append(
            text_frame(tmp / f"{i}.jpg", lines, size=size, background=background, fontsize=font).read_bytes()
        )
    rows = [
        {
            "video_id": "v",
            "frame_idx": i,
            "timestamp": float(i),
            "width": size[0],
            "height": size[1],
            "jpeg": j,
        }
        for i, j in enumerate(jpegs)
    ]
    dedup = [{"video_id": "v", "frame_idx": i, "timestamp": float(i), "kept": True} for i in range(n)]
    return (
        write_parquet(rows, tmp / "frames.parquet", FRAMES),
        write_parquet(dedup, tmp / "dedup.parquet", DEDUP),
        jpegs,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--size", default="384x216")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    options = OcrOptions()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        frames, dedup, jpegs = make_frames(tmp, args.frames, size)  # type: ignore[arg-type]

        c0, w0 = time.process_time(), time.perf_counter()
        engine = load_ocr(options, threads=args.threads)
        load_cpu, load_wall = time.process_time() - c0, time.perf_counter() - w0

        # reference: the bare engine on decoded BGR arrays
        arrays = [
            np.asarray(Image.open(tmp / f"{i}.jpg").convert("RGB"))[:, :, ::-1].copy()
            for i in range(len(jpegs))
        ]
        engine.engine(arrays[0])  # warm-up
        c0, w0 = time.process_time(), time.perf_counter()
        n_text = sum(1 for a in arrays if engine.engine(a).txts)
        ref_cpu, ref_wall = time.process_time() - c0, time.perf_counter() - w0

        # the stage (its own model load excluded: measured above)
        out = [tmp / "ocr" / f"{n}.parquet" for n in ("lines", "texts", "skipped")]
        c0, w0 = time.process_time(), time.perf_counter()
        ocr_shard(frames, *out, options, dedup=dedup, threads=args.threads)
        stage_cpu, stage_wall = time.process_time() - c0, time.perf_counter() - w0
        stage_cpu -= load_cpu  # ocr_shard loads the model once more
        stage_wall -= load_wall

    n = len(jpegs)
    per_frame = stage_cpu / n
    print(f"frames: {n} at {args.size} ({n_text} with text read), threads {args.threads}")
    print(f"model load: {load_cpu:.1f} core-s ({load_wall:.1f} s wall), once per shard job")
    print(f"reference (bare RapidOCR): {ref_cpu / n:.3f} core-s/frame, {n / ref_wall:.2f} frames/s")
    print(f"ocr_shard: {per_frame:.3f} core-s/frame, {n / stage_wall:.2f} frames/s")
    print(f"ratio stage/reference speed: {ref_cpu / stage_cpu:.2f}")
    print(
        f"cost per hour of video at 1 fps: {per_frame * 3600 * KEPT_SHARE:.0f} core-s/h "
        f"(kept share {KEPT_SHARE}; every frame: {per_frame * 3600:.0f})"
    )


if __name__ == "__main__":
    main()
