"""Benchmark: polimodal frame sampling vs ffmpeg's ``fps`` filter, same file, same run.

Makes a 60 s 640x360 25 fps video (:func:`polimodal.synthetic.media.make_video`) and times, with
interleaved repeats, ``extract_frames`` at 1 fps (pyav and decord backends) against
``ffmpeg -i f -vf fps=1 -f image2 out/%05d.jpg``. Target: ours <= 0.7x ffmpeg.

    .venv/bin/python bench/bench_frames.py [--duration 60] [--repeats 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from polimodal.extract.frames import FrameOptions, extract_frames
from polimodal.synthetic.media import SCENES, make_video


def _ffmpeg(video: Path, out: Path) -> int:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    cmd = [
        "ffmpeg",
        "-loglevel",
        "error",
        "-i",
        str(video),
        "-vf",
        "fps=1",
        "-f",
        "image2",
        f"{out}/%05d.jpg",
    ]
    subprocess.run(cmd, check=True)
    return len(list(out.iterdir()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    options = FrameOptions(fps=1.0, jpeg_quality=90, max_side=640)
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "bench.mp4"
        make_video(video, duration=args.duration, scenes=SCENES[:3], size=(640, 360), fps=25)
        cases: dict[str, Callable[[], int]] = {
            "ffmpeg -vf fps=1 (subprocess)": lambda: _ffmpeg(video, Path(tmp) / "ff"),
            "extract_frames pyav": lambda: len(extract_frames(video, options)),
            "extract_frames decord": lambda: len(extract_frames(video, options, backend="decord")),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        counts: dict[str, int] = {}
        for name, fn in cases.items():  # warm-up (page cache, imports)
            counts[name] = fn()
        for _ in range(args.repeats):
            for name, fn in cases.items():
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    ref = statistics.median(times["ffmpeg -vf fps=1 (subprocess)"])
    ref_min = min(times["ffmpeg -vf fps=1 (subprocess)"])
    print(f"video: {args.duration:.0f} s, 640x360, 25 fps; {args.repeats} interleaved repeats (median, min)")
    print(f"{'method':32s} {'frames':>6s} {'median s':>9s} {'min s':>7s} {'x ffmpeg':>9s} {'min/min':>8s}")
    for name, ts in times.items():
        med, low = statistics.median(ts), min(ts)
        print(f"{name:32s} {counts[name]:6d} {med:9.3f} {low:7.3f} {med / ref:9.2f} {low / ref_min:8.2f}")


if __name__ == "__main__":
    main()
