"""On-screen text: OCR of each kept frame with RapidOCR (PP-OCR models on onnxruntime).

The detection and recognition models ship inside the ``rapidocr`` wheel (``package:`` references,
:func:`polimodal.resolve.resolve_model_ref`); they are given to RapidOCR as file paths, so it
resolves no download URL, and the recogniser's character list is read from the ONNX file's own
metadata: nothing is fetched at run time (``tests/test_extract_ocr.py`` runs it with sockets
refused). The default PP-OCRv6 recogniser reads Chinese, English, Japanese and the Latin-script
languages (French, German, Spanish, ... with their accents).

A frame is read in one pass when its long side is at most ``max_side`` or it is not much longer
than wide (RapidOCR scales it to ``max_side``); a banner far longer than ``max_side`` (a
10,000-px-wide image) is read in overlapping tiles of ``max_side``, whose lines are put back in
the frame's coordinates (a line read twice in an overlap counts once). A frame that cannot be
decoded (or is too small to hold text, under 2 px a side) is skipped with its reason. One or two
characters over half the picture high are a shape misread as a letter (a Mandelbrot set as a
"0"), dropped.

The lines of consecutive kept frames are deduplicated (:func:`mark_new`): a line is ``new`` unless
it is near-identical (``similarity``) to a line of the video's last two frames read, so a chyron
shown for 30 s counts once, and one misread frame does not make it new again.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from polimodal.corpus.ocr_schemas import OCR_LINES, OCR_SKIPPED, OCR_TEXTS
from polimodal.corpus.schemas import table_from_rows
from polimodal.corpus.shards import PerVideo, iter_video_slices, process_videos, video_order, work_key
from polimodal.errors import ConfigError, ModelLoadError
from polimodal.options import options_from_section, output_settings
from polimodal.resolve import resolve_model_ref
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: Frames read before a line is new again (the previous two: one misread frame is forgiven).
MEMORY = 2
#: One or two characters higher than this share of the picture are a shape, not text (dropped).
_MAX_LINE_HEIGHT = 0.5
#: A tiled frame: lines of two tiles whose boxes overlap by more than this (of the smaller) are one.
_SAME_BOX = 0.5


@dataclass
class OcrOptions:
    """Config section ``ocr`` (off by default: ``enabled: false``).

    ``det_model`` / ``rec_model``: RapidOCR's ONNX detection and recognition models (``package:``
    references to the ones in its wheel, or local paths); ``min_score``: lines recognised with a
    lower confidence are dropped; ``max_side``: frames are read at most this long (longer ones
    scaled down, or tiled when far longer than wide); ``det_side``: text is detected on the frame
    scaled to at most this long side, never enlarged (RapidOCR's default enlarges the short side to
    736: 4.5 times the CPU on 384-px frames, no better word recall, bench/bench_ocr.py);
    ``similarity``: a line at least this similar
    (difflib ratio of the lower-cased texts) to one of the previous frames' counts once.
    """

    #: ``enabled`` says whether the stage runs, not what it writes
    NOT_OUTPUT: ClassVar[frozenset[str]] = frozenset({"enabled"})

    enabled: bool = False
    det_model: str = "package:rapidocr/models/PP-OCRv6_det_small.onnx"
    rec_model: str = "package:rapidocr/models/PP-OCRv6_rec_small.onnx"
    min_score: float = 0.8
    max_side: int = 2000
    det_side: int = 960
    similarity: float = 0.8

    def check(self, where: str) -> None:
        if not isinstance(self.enabled, bool):
            raise ConfigError(f"{where}.enabled must be true or false, got {self.enabled!r}")
        for name in ("min_score", "similarity"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ConfigError(f"{where}.{name} must be a number in [0, 1], got {value!r}")
        for name in ("max_side", "det_side"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 64:
                raise ConfigError(f"{where}.{name} must be an integer >= 64, got {value!r}")
        for name in ("det_model", "rec_model"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ConfigError(f"{where}.{name} must be a model path or package: reference")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> OcrOptions:
        """Build from the config's ``ocr`` mapping; unknown keys are an error."""
        return options_from_section(cls, section, "config ocr")


@dataclass(frozen=True)
class Line:
    """One line of text read on a frame."""

    text: str
    score: float
    box: tuple[float, ...]  # x, y of 4 corners, clockwise from top left (8 values)


class FrameUnreadable(Exception):
    """A frame that cannot be read (undecodable, or too small to hold text); the message is why."""


@dataclass
class OcrEngine:
    """A loaded RapidOCR pipeline and the options it was loaded with."""

    engine: Any
    options: OcrOptions

    def read(self, image: bytes | np.ndarray) -> list[Line]:
        """The lines of text on one image (JPEG/PNG bytes or an RGB array), in reading order."""
        pixels = decode(image) if isinstance(image, bytes | bytearray) else np.asarray(image)
        if pixels.ndim != 3 or min(pixels.shape[:2]) < 2:
            raise FrameUnreadable(
                f"image of {pixels.shape[1]}x{pixels.shape[0]} px is too small to hold text"
            )
        lines = [
            line for x0, y0, tile in tiles(pixels, self.options.max_side) for line in self._read(tile, x0, y0)
        ]
        return reading_order(_merge_overlaps(lines))

    def _read(self, pixels: np.ndarray, x0: int, y0: int) -> list[Line]:
        # RapidOCR takes BGR arrays (OpenCV's order)
        result = self.engine(np.ascontiguousarray(pixels[:, :, ::-1]))
        if result.txts is None or result.boxes is None:
            return []
        out = []
        for text, score, box in zip(result.txts, result.scores, result.boxes, strict=True):
            text = " ".join(str(text).split())
            corners = np.asarray(box, dtype=np.float64).reshape(4, 2)
            # one or two characters over half the picture high: a shape read as a letter (a
            # Mandelbrot set's "0"), not text
            tall = len(text) <= 2 and np.ptp(corners[:, 1]) > _MAX_LINE_HEIGHT * pixels.shape[0]
            if text and float(score) >= self.options.min_score and not tall:
                corners = corners + np.array([x0, y0])
                out.append(Line(text, float(score), tuple(float(v) for v in corners.ravel())))
        return out


def load_ocr(options: OcrOptions, threads: int = 1) -> OcrEngine:
    """Load RapidOCR once, with the models of ``options`` as local files (nothing downloaded)."""
    from rapidocr import RapidOCR

    t0 = time.monotonic()
    det, rec = resolve_model_ref(options.det_model), resolve_model_ref(options.rec_model)
    params = {
        "Global.log_level": "error",
        "Global.use_cls": False,  # 180-degree text does not occur on screen; saves a model pass
        "Global.text_score": float(options.min_score),
        "Global.max_side_len": int(options.max_side),
        "Det.model_path": det,
        "Det.limit_type": "max",  # scaled down to det_side, never up
        "Det.limit_side_len": int(options.det_side),
        "Rec.model_path": rec,
        "EngineConfig.onnxruntime.intra_op_num_threads": max(1, int(threads)),
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    try:
        engine = RapidOCR(params=params)
        engine(np.full((32, 32, 3), 255, np.uint8))  # loads both models now, not at the first frame
    except Exception as exc:  # onnxruntime's and RapidOCR's own errors
        raise ModelLoadError(f"ocr: cannot load {det} / {rec}: {exc}") from exc
    log.info(
        "ocr: RapidOCR %s + %s on %d thread(s), loaded in %.1f s", det, rec, threads, time.monotonic() - t0
    )
    return OcrEngine(engine, options)


def decode(data: bytes) -> np.ndarray:
    """An encoded image's RGB pixels (FrameUnreadable when it cannot be decoded)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise FrameUnreadable(f"cannot decode the image ({len(data)} bytes): {exc}") from exc


def tiles(pixels: np.ndarray, max_side: int) -> list[tuple[int, int, np.ndarray]]:
    """``(x0, y0, tile)``: the whole image, or overlapping tiles of ``max_side`` along its long side
    when that is longer than ``max_side`` and more than twice the short side (a banner)."""
    h, w = pixels.shape[:2]
    long, short = max(h, w), min(h, w)
    if long <= max_side or long <= 2 * short:
        return [(0, 0, pixels)]
    overlap = max_side // 4  # a line up to a quarter of a tile long lies whole in one tile
    step = max_side - overlap
    starts = list(range(0, long - overlap, step))
    out = []
    for s in starts:
        if w >= h:
            out.append((s, 0, pixels[:, s : s + max_side]))
        else:
            out.append((0, s, pixels[s : s + max_side]))
    return out


def _bounds(line: Line) -> tuple[float, float, float, float]:
    xs, ys = line.box[0::2], line.box[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def _overlap(a: Line, b: Line) -> float:
    ax0, ay0, ax1, ay1 = _bounds(a)
    bx0, by0, bx1, by1 = _bounds(b)
    inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
    smaller = min((ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0))
    return inter / smaller if smaller > 0 else 0.0


def _merge_overlaps(lines: list[Line]) -> list[Line]:
    """Lines read twice (two tiles' overlap): keep the longer reading of each."""
    kept: list[Line] = []
    for line in sorted(lines, key=lambda x: -len(x.text)):
        if not any(_overlap(line, k) > _SAME_BOX for k in kept):
            kept.append(line)
    return kept


def reading_order(lines: Sequence[Line]) -> list[Line]:
    """Top to bottom; lines whose vertical centres are within half a line height: left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda x: _bounds(x)[1]):
        _, y0, _, y1 = _bounds(line)
        if rows:
            _, ry0, _, ry1 = _bounds(rows[-1][0])
            if abs((y0 + y1) / 2 - (ry0 + ry1) / 2) < (ry1 - ry0) / 2:
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda x: _bounds(x)[0])]


def normalise(text: str) -> str:
    """What two readings of one line are compared on: lower case, single spaces."""
    return " ".join(text.casefold().split())


def mark_new(frames: Sequence[Sequence[str]], similarity: float) -> list[list[bool]]:
    """For each frame's lines (frames in time order): whether the line is new, i.e. not at least
    ``similarity`` similar to a line of the :data:`MEMORY` previous frames (nor to an earlier line
    of the same frame)."""
    out: list[list[bool]] = []
    recent: list[list[str]] = []
    for lines in frames:
        seen = [t for frame in recent for t in frame]
        flags = []
        for text in lines:
            key = normalise(text)
            flags.append(not any(_similar(key, s, similarity) for s in seen))
            seen.append(key)
        out.append(flags)
        recent = [*recent, [normalise(t) for t in lines]][-MEMORY:]
    return out


def _similar(a: str, b: str, similarity: float) -> bool:
    if a == b:
        return True
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= similarity


# ----------------------------------------------------------------------------- shards
def ocr_video(
    engine: OcrEngine, video_id: str, frames: Sequence[tuple[int, float, bytes]]
) -> dict[str, pa.Table]:
    """OCR_LINES, OCR_TEXTS and OCR_SKIPPED rows of one video from its kept frames
    ``(frame_idx, timestamp, image bytes)`` in time order."""
    read: list[tuple[int, float, list[Line]]] = []
    skipped = []
    for idx, ts, data in sorted(frames, key=lambda f: f[0]):
        try:
            read.append((idx, ts, engine.read(data)))
        except FrameUnreadable as exc:
            log.warning("ocr: video %s frame %d (%.1f s) skipped: %s", video_id, idx, ts, exc)
            skipped.append({"video_id": video_id, "frame_idx": idx, "timestamp": ts, "reason": str(exc)})
    flags = mark_new([[line.text for line in lines] for _, _, lines in read], engine.options.similarity)
    rows = [
        {
            "video_id": video_id,
            "frame_idx": idx,
            "timestamp": ts,
            "line": i,
            "text": line.text,
            "score": line.score,
            "box": list(line.box),
            "new": new,
        }
        for (idx, ts, lines), frame_flags in zip(read, flags, strict=True)
        for i, (line, new) in enumerate(zip(lines, frame_flags, strict=True))
    ]
    text = "\n".join(r["text"] for r in rows if r["new"])
    summary = {"video_id": video_id, "n_frames": len(read), "n_lines": len(rows), "text": text}
    return {
        "lines": table_from_rows(rows, OCR_LINES),
        "texts": table_from_rows([summary], OCR_TEXTS),
        "skipped": table_from_rows(skipped, OCR_SKIPPED),
    }


def _kept_frames(dedup: PathLike | None) -> dict[str, set[int]] | None:
    """video_id → its kept frame indices (DEDUP); None without a DEDUP table (every frame kept)."""
    if dedup is None:
        return None
    t = pq.read_table(dedup, columns=["video_id", "frame_idx", "kept"])
    kept: dict[str, set[int]] = {}
    for vid, idx, k in zip(*(t.column(c).to_pylist() for c in t.column_names), strict=True):
        kept.setdefault(vid, set())
        if k:
            kept[vid].add(idx)
    return kept


def ocr_shard(
    frames_path: PathLike,
    lines_out: PathLike,
    texts_out: PathLike,
    skipped_out: PathLike,
    options: OcrOptions,
    *,
    dedup: PathLike | None = None,
    videos: pa.Table | None = None,
    threads: int = 1,
) -> dict[str, int]:
    """Read the text on every kept frame of a FRAMES file (kept: DEDUP's ``kept``, and a JPEG
    stored); write OCR_LINES, OCR_TEXTS (one row per video of the file) and OCR_SKIPPED.

    Per video through :func:`polimodal.corpus.shards.process_videos` (a killed job resumes at
    the first unfinished video), keyed by the video's ``frames_digest`` (``videos``: the shard's
    VIDEOS), its kept frames and the options; the model is loaded at the first video to read.
    """
    frames_path = Path(frames_path)
    kept = _kept_frames(dedup)
    digests = {}
    if videos is not None:
        digests = dict(
            zip(*(videos.column(c).to_pylist() for c in ("video_id", "frames_digest")), strict=True)
        )
    stream = PerVideo(iter_video_slices(frames_path, ["video_id", "frame_idx", "timestamp", "jpeg"], 64))
    loaded: list[OcrEngine] = []

    def one(video_id: str) -> dict[str, pa.Table]:
        wanted = None if kept is None else kept.get(video_id, set())
        frames = []
        for piece in stream.take(video_id):
            cols = (piece.column(c).to_pylist() for c in ("frame_idx", "timestamp", "jpeg"))
            for idx, ts, jpeg in zip(*cols, strict=True):
                if jpeg is not None and (wanted is None or idx in wanted):
                    frames.append((idx, ts, jpeg))
        if frames and not loaded:
            loaded.append(load_ocr(options, threads))
        if not frames:
            return ocr_video(OcrEngine(None, options), video_id, [])
        return ocr_video(loaded[0], video_id, frames)

    settings = output_settings(options)

    def key(video_id: str) -> str:
        frames = sorted(kept.get(video_id, ())) if kept is not None else None
        return work_key("ocr", digests.get(video_id), frames, settings)

    outputs = {
        "lines": (Path(lines_out), OCR_LINES),
        "texts": (Path(texts_out), OCR_TEXTS),
        "skipped": (Path(skipped_out), OCR_SKIPPED),
    }
    return process_videos(video_order(frames_path), one, outputs, key=key, label=f"ocr {frames_path.name}")


def check_ocr(config: Mapping[str, Any], models: Sequence[str] = ()) -> None:
    """The ``ocr`` section (:class:`polimodal.extract.ocr.OcrOptions`); when enabled, its models
    must be found (a ``package:`` reference to an installed package, or a file); when not, no
    model of the run may read the text field ``ocr``."""
    options = OcrOptions.from_config(config.get("ocr") or {})
    for name in models:
        fields = (config.get("models", {}).get(name) or {}).get("text_fields") or ()
        if "ocr" in fields and not options.enabled:
            raise ConfigError(
                f"config models.{name}.text_fields {list(fields)}: the on-screen text `ocr` needs the "
                "ocr stage (config ocr.enabled: true)"
            )
    if options.enabled:
        for key in ("det_model", "rec_model"):
            try:
                resolve_model_ref(getattr(options, key))
            except ModelLoadError as exc:
                raise ConfigError(f"config ocr.{key}: {exc}") from None
