"""The XOR corpus: a tiny labelled corpus whose label needs text **and** frames.

A stand-in for tests and benchmarks of fusion: text alone and frames alone carry no
information about the label, so a model that does better than chance must combine them.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from polimodal.corpus.schemas import DEDUP, FRAMES, write_parquet
from polimodal.data.frames import FrameStore
from polimodal.data.videodata import VideoData

#: Sentences of the two spoken topics of :func:`make_xor_corpus` (politics vs sport).
TOPIC_SENTENCES: dict[str, tuple[str, ...]] = {
    "economy": (
        "the minister talks about taxes and the budget deficit",
        "parliament votes on inflation and public spending",
        "the government plans to cut income taxes next year",
        "economists warn about debt interest rates and the budget",
    ),
    "sport": (
        "the striker scores a late goal in the football match",
        "the team wins the championship after a penalty shootout",
        "fans cheer as the runner breaks the stadium record",
        "the coach praises the goalkeeper after the final whistle",
    ),
}
#: Frame colours of :func:`make_xor_corpus` (RGB).
COLOURS: dict[str, tuple[int, int, int]] = {"red": (200, 30, 30), "blue": (30, 60, 200)}


def solid_jpeg(rgb: tuple[int, int, int], size: int = 48, noise: int = 25, seed: int = 0) -> bytes:
    """A ``size``×``size`` JPEG of colour ``rgb`` with uniform pixel noise of ±``noise``."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(rgb, dtype=np.int16) + rng.integers(-noise, noise + 1, size=(size, size, 3))
    buf = io.BytesIO()
    Image.fromarray(pixels.clip(0, 255).astype("uint8")).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def make_xor_corpus(
    out: str | Path,
    n_per_cell: dict[str, int] | None = None,
    *,
    frames_per_video: int = 3,
    size: int = 48,
    seed: int = 0,
) -> dict[str, Any]:
    """A tiny corpus whose label needs text **and** frames: ``{"train"|"validation"|"test": VideoData}``.

    Each video has a spoken topic (``economy``/``sport``: its text, from
    :data:`TOPIC_SENTENCES`) and a frame colour (``red``/``blue``: ``frames_per_video`` noisy
    solid JPEGs). Its label is ``"yes"`` iff exactly one of "topic is economy" and "frames are
    red" holds (XOR), else ``"no"``. Each split has ``n_per_cell[split]`` videos of every
    topic × colour combination, and every sentence occurs equally often with both colours, so
    text alone and frames alone carry no information about the label. Frames are written as
    real FRAMES and DEDUP Parquet files under ``out`` (one extra exact-duplicate frame per video
    is marked not kept) and read back through :class:`polimodal.data.frames.FrameStore`.
    """
    out = Path(out)
    n_per_cell = n_per_cell or {"train": 8, "validation": 4, "test": 4}
    frames_rows: list[dict[str, Any]] = []
    dedup_rows: list[dict[str, Any]] = []
    splits: dict[str, tuple[list[str], list[str], list[str]]] = {}
    k = 0
    for split, n in n_per_cell.items():
        ids: list[str] = []
        labels: list[str] = []
        texts: list[str] = []
        for topic, sentences in TOPIC_SENTENCES.items():
            for colour, rgb in COLOURS.items():
                for i in range(n):
                    vid = f"{split}_{topic}_{colour}_{i:03d}"
                    ids.append(vid)
                    labels.append("yes" if (topic == "economy") != (colour == "red") else "no")
                    texts.append(sentences[i % len(sentences)])
                    for f in range(frames_per_video + 1):
                        k += 1
                        dup = f == frames_per_video  # an exact copy of frame 0, dropped by dedup
                        jpeg = (
                            frames_rows[-f]["jpeg"] if dup else solid_jpeg(rgb, size, seed=seed * 100_003 + k)
                        )
                        frames_rows.append(
                            {"video_id": vid, "frame_idx": f, "timestamp": float(f), "width": size,
                             "height": size, "jpeg": jpeg}
                        )  # fmt: skip
                        dedup_rows.append(
                            {"video_id": vid, "frame_idx": f, "timestamp": float(f), "kept": not dup,
                             "duplicate_of": 0 if dup else None, "max_similarity": 1.0 if dup else None}
                        )  # fmt: skip
        splits[split] = (ids, labels, texts)
    frames_path = write_parquet(frames_rows, out / "frames.parquet", FRAMES)
    dedup_path = write_parquet(dedup_rows, out / "dedup.parquet", DEDUP)
    store = FrameStore([frames_path], [dedup_path])
    return {split: VideoData(ids, labels, texts, store) for split, (ids, labels, texts) in splits.items()}
