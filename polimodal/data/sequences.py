"""Per-video sequences of the three modalities, on their own time axes: what the cross-modal models read.

- ``words``: the transcript's words (ALIGNED rows, in order) with their start/end times, and,
  from the explicit alignment, each word's speaker-relative pitch (``f0_mean_z``, 0 when
  unvoiced) and the kept frame shown meanwhile (``frame_idx``);
- ``audio``: the voiced PITCH frames pooled into windows of ``audio_hop`` seconds: F0 z-scored
  within the video, the share of voiced 10 ms frames, intensity z-scored within the video;
- ``frames``: the embeddings (EMBEDDINGS) of the kept frames, with their timestamps.

The sequences are *not* aligned to each other (a cross-modal transformer aligns them itself,
implicitly); their times travel with them. A video may lack any of them (silent, no frames):
its sequence is then empty. :class:`SequenceStore` reads a task's (or a shard's) ALIGNED, PITCH
and EMBEDDINGS files once and holds the pooled sequences in memory (the pooled audio is 10 ×
smaller than the PITCH table at the default hop).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from polimodal.corpus.embeddings import read_embeddings
from polimodal.corpus.rows import read_videos
from polimodal.types import PathLike

log = logging.getLogger(__name__)

#: Features of an audio window, in this order.
AUDIO_FEATURES = ("f0_z", "voiced", "intensity_z")


@dataclass
class VideoSequences:
    """One video's sequences (see the module docstring); arrays are float32."""

    words: list[str] = field(default_factory=list)
    word_times: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))  # start, end
    word_pitch: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # f0_mean_z (0: none)
    word_frames: list[int | None] = field(default_factory=list)  # kept frame shown (frame_idx)
    audio: np.ndarray = field(default_factory=lambda: np.zeros((0, len(AUDIO_FEATURES)), np.float32))
    audio_times: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    frames: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    frame_times: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    frame_idx: list[int] = field(default_factory=list)


def pool_audio(pitch: pd.DataFrame, hop: float = 0.1, step: float = 0.01) -> pd.DataFrame:
    """PITCH rows of one or more videos pooled into ``hop``-second windows (voiced windows only):
    video_id, time (window centre), f0_z, voiced (share of the window's ``step`` frames), intensity_z."""
    if pitch.empty:
        return pd.DataFrame(columns=["video_id", "time", *AUDIO_FEATURES])
    p = pitch[["video_id", "time", "f0", "intensity"]].copy()
    g = p.groupby("video_id")
    for col in ("f0", "intensity"):
        mu = g[col].transform("mean")
        sd = g[col].transform("std").replace(0, np.nan)
        p[col + "_z"] = ((p[col] - mu) / sd).fillna(0.0)
    p["window"] = np.floor(p["time"] / hop).astype(np.int64)
    w = p.groupby(["video_id", "window"], sort=True).agg(
        f0_z=("f0_z", "mean"), n=("f0", "size"), intensity_z=("intensity_z", "mean")
    )
    w = w.reset_index()
    w["time"] = (w["window"] + 0.5) * hop
    w["voiced"] = np.minimum(1.0, w["n"] * step / hop)
    return w[["video_id", "time", *AUDIO_FEATURES]]


def _read(paths: Iterable[PathLike], columns: list[str], ids: pa.Array | None) -> pd.DataFrame:
    parts = []
    for path in paths:
        if ids is None:
            parts.append(pq.read_table(path, columns=columns).to_pandas())
        else:  # only the row groups that hold the videos asked for
            parts.append(read_videos(path, ids, columns).to_pandas())
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _read_embeddings(paths: Iterable[PathLike], ids: pa.Array | None) -> tuple[pd.DataFrame, np.ndarray]:
    """EMBEDDINGS rows of ``paths`` (either stored layout): video_id, frame_idx, timestamp and
    ``row``, the row of the returned (n, d) float32 matrix that holds the frame's vector."""
    keys, vectors = [], []
    n = 0
    for path in paths:
        columns = ["video_id", "frame_idx", "timestamp", "embedding"]
        columns += ["scale"] if "scale" in pq.read_schema(path).names else []  # int8 layout
        table = pq.read_table(path, columns=columns) if ids is None else read_videos(path, ids, columns)
        frame = table.select(columns[:3]).to_pandas()
        frame["row"] = np.arange(n, n + len(frame))
        n += len(frame)
        keys.append(frame)
        if len(frame):
            vectors.append(read_embeddings(table))
    if not keys:
        return pd.DataFrame(columns=["video_id", "frame_idx", "timestamp", "row"]), np.zeros(
            (0, 0), np.float32
        )
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, 0), np.float32)
    return pd.concat(keys, ignore_index=True), matrix


class SequenceStore:
    """Every video's :class:`VideoSequences` from ALIGNED, PITCH and EMBEDDINGS files.

    ``dedup``: DEDUP files; when given, only kept frames' embeddings are used (a task's
    EMBEDDINGS file holds kept frames only and needs none). ``video_ids``: read only these.
    """

    def __init__(
        self,
        aligned: Sequence[PathLike] = (),
        pitch: Sequence[PathLike] = (),
        embeddings: Sequence[PathLike] = (),
        dedup: Sequence[PathLike] | None = None,
        *,
        audio_hop: float = 0.1,
        video_ids: Sequence[str] | None = None,
    ) -> None:
        ids = pa.array(sorted(set(video_ids)), pa.string()) if video_ids is not None else None
        self.audio_hop = audio_hop
        self._videos: dict[str, VideoSequences] = {}
        words = _read(
            aligned, ["video_id", "word_idx", "word", "start", "end", "f0_mean_z", "frame_idx"], ids
        )
        for vid, w in words.sort_values(["video_id", "word_idx"]).groupby("video_id", sort=False):
            seq = self._get(str(vid))
            seq.words = w["word"].astype(str).str.strip().tolist()
            seq.word_times = w[["start", "end"]].to_numpy(np.float32)
            seq.word_pitch = w["f0_mean_z"].astype(float).fillna(0.0).to_numpy(np.float32)
            seq.word_frames = [None if pd.isna(f) else int(f) for f in w["frame_idx"]]
        audio = pool_audio(_read(pitch, ["video_id", "time", "f0", "intensity"], ids), hop=audio_hop)
        for vid, a in audio.groupby("video_id", sort=False):
            seq = self._get(str(vid))
            seq.audio = a[list(AUDIO_FEATURES)].to_numpy(np.float32)
            seq.audio_times = a["time"].to_numpy(np.float32)
        emb, vectors = _read_embeddings(embeddings, ids)
        if dedup is not None and len(emb):
            kept = _read(dedup, ["video_id", "frame_idx", "kept"], ids)
            kept = kept[kept["kept"].astype(bool)][["video_id", "frame_idx"]]
            emb = emb.merge(kept, on=["video_id", "frame_idx"], how="inner")
        self.frame_dim = 0
        for vid, e in emb.sort_values(["video_id", "frame_idx"]).groupby("video_id", sort=False):
            seq = self._get(str(vid))
            seq.frames = vectors[e["row"].to_numpy(np.int64)]
            seq.frame_times = e["timestamp"].to_numpy(np.float32)
            seq.frame_idx = e["frame_idx"].astype(int).tolist()
            self.frame_dim = seq.frames.shape[1]
        log.info(
            "sequences: %d videos (%d with words, %d with voiced audio, %d with frame embeddings)",
            len(self._videos),
            words["video_id"].nunique() if len(words) else 0,
            audio["video_id"].nunique() if len(audio) else 0,
            emb["video_id"].nunique() if len(emb) else 0,
        )

    def _get(self, video_id: str) -> VideoSequences:
        return self._videos.setdefault(video_id, VideoSequences())

    @classmethod
    def from_sequences(cls, videos: dict[str, VideoSequences], audio_hop: float = 0.1) -> SequenceStore:
        """A store of ready-made sequences (synthetic data, tests)."""
        store = cls.__new__(cls)
        store.audio_hop = audio_hop
        store._videos = dict(videos)
        dims = [v.frames.shape[1] for v in videos.values() if v.frames.size]
        store.frame_dim = dims[0] if dims else 0
        return store

    def __contains__(self, video_id: str) -> bool:
        return video_id in self._videos

    def get(self, video_id: str) -> VideoSequences:
        """The video's sequences (empty ones for a video the files do not hold)."""
        seq = self._videos.get(video_id)
        if seq is None:
            seq = VideoSequences(frames=np.zeros((0, self.frame_dim), np.float32))
        return seq
