"""Sample still frames from videos at a fixed rate and store them as JPEG.

Frame ``k`` of a video is the picture on screen at ``t = k / fps`` seconds (from the
start of the video stream), for every ``t`` before the end of the stream: a video of
``d`` seconds gives ``ceil(d * fps)`` frames. ``timestamp`` in FRAMES is that ``t``.

Speed. Sampling 1 frame per second out of 25-30 must not cost a full decode plus a
colour conversion of every frame. The default ``pyav`` backend demuxes packets and,
for each packet whose display interval holds no sampling time, tells the decoder to
skip it when no other frame references it (``skip_frame = NONREF``): with typical
H.264 (B-frames) about half the frames are never decoded, yet the frame returned for
``t`` is exactly the one on screen at ``t``. Only the sampled frames are converted to
RGB, and downscaled (``max_side``) by libswscale in the same step. The ``decord``
backend (``VideoReader(..., width, height)`` + ``get_batch``) decodes every frame up
to the last one needed; it is kept for comparison (``bench/bench_frames.py``).
"""

from __future__ import annotations

import io
import logging
import math
import os
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
import numpy as np
from PIL import Image

from polimodal.errors import ConfigError, MediaUnavailable
from polimodal.options import choice, options_from_section

log = logging.getLogger(__name__)

Backend = Literal["pyav", "decord"]
_EPS = 1e-6


@dataclass
class FrameOptions:
    """Settings of the ``frames`` config section."""

    fps: float = 1.0  # frames sampled per second of video
    jpeg_quality: int = 75  # Pillow JPEG quality, 1-95
    max_side: int = 384  # longer side of stored frames; larger frames are downscaled (0: keep size)
    backend: str = choice("pyav", ("pyav", "decord"))  # pyav skips undisplayed frames; decord decodes all
    keep_dropped: bool = False  # true: store the JPEGs of near-duplicates too (see the schemas' FRAMES)
    #: how frames are stored (FRAMES' ``jpeg`` column holds the bytes either way): WebP at
    #: ``webp_quality`` 80 has quality-75 JPEG's SSIM or more in 0.70-0.94 of its bytes, for ~10x
    #: the encoding CPU (bench/bench_formats.py); Pillow, torchvision and browsers decode both
    image_format: str = choice("jpeg", ("jpeg", "webp"))
    webp_quality: int = 80  # Pillow WebP quality, 1-100 (image_format: webp)

    @staticmethod
    def canonical_output(settings: dict[str, Any]) -> dict[str, Any]:
        """JPEG frames are what every run before ``image_format`` existed stored: their settings
        are those of that time (``webp_quality`` changes nothing then), so such runs rerun nothing."""
        settings = dict(settings)
        if settings.get("image_format") == "jpeg":
            settings.pop("image_format")
            settings.pop("webp_quality", None)
        return settings

    def check(self, where: str) -> None:
        if not float(self.fps) > 0:
            raise ConfigError(f"{where}.fps: must be > 0, got {self.fps!r}")
        if not 1 <= int(self.jpeg_quality) <= 100:
            raise ConfigError(f"{where}.jpeg_quality: must be in 1..100, got {self.jpeg_quality!r}")
        if not 1 <= int(self.webp_quality) <= 100:
            raise ConfigError(f"{where}.webp_quality: must be in 1..100, got {self.webp_quality!r}")
        if int(self.max_side) < 0:
            raise ConfigError(f"{where}.max_side: must be >= 0, got {self.max_side!r}")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> FrameOptions:
        """Build from the ``frames`` config section; missing keys take the defaults."""
        return options_from_section(cls, section, "config frames")


def sample_times(duration: float, fps: float) -> list[float]:
    """Sampling times ``0, 1/fps, 2/fps, ...`` strictly before ``duration`` seconds."""
    if duration <= 0:
        return []
    n = math.ceil(duration * fps - _EPS)
    return [k / fps for k in range(max(n, 0))]


def target_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """Size of the stored frame: downscaled, aspect kept, so the longer side is ``max_side``."""
    longest = max(width, height)
    if max_side <= 0 or longest <= max_side:
        return width, height
    scale = max_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def encode_jpeg(image: Image.Image | np.ndarray, quality: int) -> bytes:
    """JPEG bytes of an RGB image (Pillow, libjpeg-turbo), with optimised Huffman tables: the
    same pixels in 5-8 % fewer bytes for ~0.1 ms more per frame (bench/bench_storage.py)."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=int(quality), optimize=True)
    return buf.getvalue()


def encode_webp(image: Image.Image | np.ndarray, quality: int) -> bytes:
    """WebP bytes of an RGB image (Pillow, libwebp lossy, its default effort ``method`` 4)."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buf = io.BytesIO()
    image.save(buf, format="WEBP", quality=int(quality), method=4)
    return buf.getvalue()


def encode_frame(image: Image.Image | np.ndarray, options: FrameOptions) -> bytes:
    """A sampled frame's stored bytes in ``options.image_format`` at its quality."""
    if options.image_format == "webp":
        return encode_webp(image, options.webp_quality)
    return encode_jpeg(image, options.jpeg_quality)


def _row(video_id: str, k: int, t: float, jpeg: bytes, size: tuple[int, int]) -> dict[str, Any]:
    return {
        "video_id": video_id,
        "frame_idx": k,
        "timestamp": t,
        "width": size[0],
        "height": size[1],
        "jpeg": jpeg,
    }


def _extract_pyav(path: Path, options: FrameOptions, video_id: str) -> list[dict[str, Any]]:
    fps = float(options.fps)
    rows: list[dict[str, Any]] = []
    jobs: list[tuple[int, Future[bytes]]] = []
    with (
        av.open(str(path), metadata_errors="ignore") as container,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="jpeg") as pool,
    ):
        if not container.streams.video:
            return []
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        ctx = stream.codec_context
        tb = stream.time_base or Fraction(1, 90000)
        start = stream.start_time or 0
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
        size = target_size(ctx.width, ctx.height, int(options.max_side))
        k = 0  # next sampling time is k / fps
        held: tuple[float, av.VideoFrame] | None = None  # last decoded frame, not yet past

        def encode(frame: av.VideoFrame) -> bytes:
            return encode_frame(frame.to_image(width=size[0], height=size[1]), options)

        def emit_until(t_next: float) -> None:
            # every sampling time before t_next shows the held frame; scaling and JPEG
            # encoding run in a worker thread (both release the GIL) while decoding goes on
            nonlocal k
            while held is not None and k / fps < t_next - _EPS:
                jobs.append((k, pool.submit(encode, held[1])))
                k += 1

        def needed(packet: av.Packet) -> bool:
            # does a sampling time fall in this packet's display interval [p0, p1)?
            if packet.pts is None or not packet.duration:
                return True
            p0 = float((packet.pts - start) * tb)
            p1 = p0 + float(packet.duration * tb)
            j = max(math.ceil(p0 * fps - _EPS), 0)
            return j / fps < p1 - _EPS

        last_t = -1.0
        for packet in container.demux(stream):
            if packet.size:
                ctx.skip_frame = "DEFAULT" if needed(packet) else "NONREF"
            for frame in ctx.decode(packet):
                ft = float((frame.pts - start) * tb) if frame.pts is not None else last_t + 1 / float(rate)
                if ft < last_t:  # out-of-order or damaged timestamps: keep the time line monotonic
                    continue
                emit_until(ft)
                held, last_t = (ft, frame), ft
        if held is None:
            raise MediaUnavailable("corrupt", f"{path}: the video stream has no decodable frame")
        end = held[0] + 1 / float(rate)
        declared = float(stream.duration * tb) if stream.duration else None
        if declared is not None and end < declared - max(1.0, 0.05 * declared):
            raise MediaUnavailable(
                "corrupt",
                f"{path}: video decodes to {end:.2f} s of the declared {declared:.2f} s (truncated?)",
            )
        emit_until(end)
        rows = [_row(video_id, j, j / fps, job.result(), size) for j, job in jobs]
    return rows


def _extract_decord(path: Path, options: FrameOptions, video_id: str) -> list[dict[str, Any]]:
    from decord import DECORDError, VideoReader, cpu

    with av.open(str(path), metadata_errors="ignore") as container:
        if not container.streams.video:
            return []
        ctx = container.streams.video[0].codec_context
        size = target_size(ctx.width, ctx.height, int(options.max_side))
    try:
        reader = VideoReader(str(path), ctx=cpu(0), width=size[0], height=size[1], num_threads=1)
        stamps = reader.get_frame_timestamp(range(len(reader)))
        times = sample_times(float(stamps[-1, 1]), float(options.fps))
        idx = np.searchsorted(stamps[:, 0], np.asarray(times) + _EPS, side="right") - 1
        batch = reader.get_batch(np.clip(idx, 0, len(reader) - 1).tolist()).asnumpy()
    except (DECORDError, RuntimeError, IndexError) as exc:
        raise MediaUnavailable("corrupt", f"{path}: cannot decode video: {exc}") from exc
    return [
        _row(video_id, k, t, encode_frame(batch[k], options), (batch.shape[2], batch.shape[1]))
        for k, t in enumerate(times)
    ]


def extract_frames(
    path: str | os.PathLike[str],
    options: FrameOptions,
    *,
    video_id: str | None = None,
    backend: Backend = "pyav",
) -> list[dict[str, Any]]:
    """FRAMES rows of one media file: one JPEG per sampling time, in time order.

    ``video_id`` defaults to the file's stem. A file without a video stream gives no
    rows. Raises :class:`MediaUnavailable` (``corrupt``) when the file cannot be
    opened or its video stream cannot be decoded to its end (truncated download).
    """
    path = Path(path)
    vid = video_id if video_id is not None else path.stem
    if backend not in ("pyav", "decord"):
        raise ValueError(f"unknown frames backend {backend!r} (pyav | decord)")
    try:
        if backend == "decord":
            return _extract_decord(path, options, vid)
        return _extract_pyav(path, options, vid)
    except av.error.FFmpegError as exc:
        raise MediaUnavailable("corrupt", f"{path}: cannot decode video: {exc}") from exc
