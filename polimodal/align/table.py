"""The aligned table: one row per transcript word with its pitch and the frame shown meanwhile.

Explicit alignment (Arnold & Küpfer's term): the modalities are put on one time axis before any
analysis. For each word of the transcript (SEGMENTS ``words``, faster-whisper's word timestamps):

- F0 mean / median / sd / min / max over the voiced PITCH frames whose time lies in
  ``[start, end)`` (null when the word has no voiced frame: a whispered or mis-timed word);
- the same in standard deviations of the *video's* voiced F0 (``*_z``): speaker-relative pitch,
  what pitch studies compare across speakers (a video is assumed to hold one main speaker);
- with the SPEAKERS turns of the video (diarization, :mod:`polimodal.extract.speakers`): the
  ``speaker`` of the turn the word overlaps most, and its mean and median F0 in standard
  deviations of *that speaker's* voiced F0 in the video (``f0_mean_speaker_z``,
  ``f0_median_speaker_z``): a debate's voices each measured against their own pitch (null
  without diarization, or for a word outside every turn);
- the mean intensity (dB) of those frames;
- ``frame_idx``: the kept frame shown while the word is spoken: the sampled frame nearest the
  word's midpoint, or, when near-duplicate removal dropped it, the kept frame it duplicates
  (join FRAMES or EMBEDDINGS on ``video_id`` + ``frame_idx`` for its JPEG or embedding).

R users: ``arrow::open_dataset("results/aligned")`` reads every shard's file as one table.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from polimodal.corpus.schemas import ALIGNED, DEDUP, PITCH, SEGMENTS, read_parquet, write_parquet
from polimodal.corpus.schemas_speakers import SPEAKERS
from polimodal.types import PathLike

log = logging.getLogger(__name__)

F0_STATS = ("mean", "median", "sd", "min", "max")


def word_rows(segments: pd.DataFrame) -> pd.DataFrame:
    """One row per word of SEGMENTS rows: video_id, segment_id, word_idx, word, start, end, probability."""
    rows: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    for seg in segments.sort_values(["video_id", "segment_id"]).itertuples(index=False):
        words = seg.words if seg.words is not None else []
        for w in words:
            text = (w.get("word") or "").strip()
            if not text or w.get("start") is None or w.get("end") is None:
                continue
            k = counters.get(seg.video_id, 0)
            counters[seg.video_id] = k + 1
            rows.append(
                {
                    "video_id": seg.video_id,
                    "segment_id": int(seg.segment_id),
                    "word_idx": k,
                    "word": text,
                    "start": float(w["start"]),
                    "end": float(max(w["end"], w["start"])),
                    "probability": w.get("probability"),
                }
            )
    cols = ["video_id", "segment_id", "word_idx", "word", "start", "end", "probability"]
    return pd.DataFrame(rows, columns=cols)


def _word_pitch(words: pd.DataFrame, pitch: pd.DataFrame) -> pd.DataFrame:
    """F0/intensity statistics of each word of one video over its voiced frames."""
    pitch = pitch.sort_values("time")
    times = pitch["time"].to_numpy()
    f0 = pitch["f0"].to_numpy(dtype=np.float64)
    level = pitch["intensity"].to_numpy(dtype=np.float64)
    lo = np.searchsorted(times, words["start"].to_numpy(), side="left")
    hi = np.searchsorted(times, words["end"].to_numpy(), side="left")
    stats = {f"f0_{s}": np.full(len(words), np.nan) for s in F0_STATS}
    stats["intensity_mean"] = np.full(len(words), np.nan)
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        if b <= a:
            continue
        v = f0[a:b]
        stats["f0_mean"][i] = v.mean()
        stats["f0_median"][i] = np.median(v)
        stats["f0_sd"][i] = v.std(ddof=1) if len(v) > 1 else np.nan
        stats["f0_min"][i] = v.min()
        stats["f0_max"][i] = v.max()
        lv = level[a:b]
        if np.isfinite(lv).any():
            stats["intensity_mean"][i] = np.nanmean(lv)
    out = pd.DataFrame(stats, index=words.index)
    out["n_voiced"] = (hi - lo).astype(np.int32)
    mu = f0.mean() if len(f0) else np.nan
    sd = f0.std(ddof=1) if len(f0) > 1 else np.nan
    ok = np.isfinite(sd) and sd > 0
    for s in ("mean", "median", "min", "max"):
        out[f"f0_{s}_z"] = (out[f"f0_{s}"] - mu) / sd if ok else np.nan
    out["f0_sd_z"] = out["f0_sd"] / sd if ok else np.nan
    return out


def _word_frames(words: pd.DataFrame, dedup: pd.DataFrame) -> pd.DataFrame:
    """The kept frame shown at each word's midpoint (see the module docstring)."""
    out = pd.DataFrame({"frame_idx": pd.array([None] * len(words), "Int32")}, index=words.index)
    out["frame_timestamp"] = np.nan
    if dedup.empty:
        return out
    dedup = dedup.sort_values("timestamp")
    ts = dedup["timestamp"].to_numpy()
    idx = dedup["frame_idx"].to_numpy()
    kept = dedup["kept"].to_numpy(dtype=bool)
    dup = dedup["duplicate_of"].to_numpy()
    time_of = dict(zip(idx.tolist(), ts.tolist(), strict=True))
    mid = (words["start"].to_numpy() + words["end"].to_numpy()) / 2
    pos = np.clip(np.searchsorted(ts, mid), 1, len(ts) - 1) if len(ts) > 1 else np.zeros(len(mid), int)
    if len(ts) > 1:
        left_closer = np.abs(mid - ts[pos - 1]) <= np.abs(ts[pos] - mid)
        pos = np.where(left_closer, pos - 1, pos)
    frame = [int(idx[p]) if kept[p] else (None if pd.isna(dup[p]) else int(dup[p])) for p in pos]
    out["frame_idx"] = pd.array(frame, "Int32")
    out["frame_timestamp"] = [np.nan if f is None else time_of.get(f, np.nan) for f in frame]
    return out


def _word_speakers(words: pd.DataFrame, pitch: pd.DataFrame, turns: pd.DataFrame) -> pd.DataFrame:
    """Each word's speaker (the turn it overlaps most) and its F0 relative to that speaker's."""
    out = pd.DataFrame(
        {"speaker": pd.Series([None] * len(words), dtype=object, index=words.index)}, index=words.index
    )
    for c in ("f0_mean_speaker_z", "f0_median_speaker_z"):
        out[c] = np.nan
    if turns.empty:
        return out
    start, end = words["start"].to_numpy(), words["end"].to_numpy()
    overlap = np.minimum(end[:, None], turns["end"].to_numpy()[None, :]) - np.maximum(
        start[:, None], turns["start"].to_numpy()[None, :]
    )
    best = overlap.argmax(axis=1)
    has = overlap[np.arange(len(words)), best] > 0
    labels = turns["speaker"].to_numpy()
    out["speaker"] = [labels[b] if h else None for b, h in zip(best, has, strict=True)]
    times, f0 = pitch["time"].to_numpy(), pitch["f0"].to_numpy(dtype=np.float64)
    for label in set(labels):
        mine = turns[turns["speaker"] == label]
        inside = np.zeros(len(times), bool)
        for a, b in zip(mine["start"], mine["end"], strict=True):
            inside |= (times >= a) & (times < b)
        v = f0[inside]
        sd = v.std(ddof=1) if len(v) > 1 else np.nan
        if not (np.isfinite(sd) and sd > 0):
            continue
        rows = (out["speaker"] == label).to_numpy()
        for s in ("mean", "median"):
            out.loc[rows, f"f0_{s}_speaker_z"] = (words.loc[rows, f"f0_{s}"] - v.mean()) / sd
    return out


def aligned_words(
    segments: pd.DataFrame,
    pitch: pd.DataFrame,
    dedup: pd.DataFrame | None = None,
    speakers: pd.DataFrame | None = None,
) -> pa.Table:
    """The ALIGNED table of SEGMENTS, PITCH, DEDUP and SPEAKERS rows (DataFrames; any number of
    videos; ``speakers`` None: no diarization, the speaker columns are null)."""
    words = word_rows(segments)
    if words.empty:
        return ALIGNED.empty_table()
    dedup = dedup if dedup is not None else pd.DataFrame(columns=DEDUP.names)
    pitch_by = dict(tuple(pitch.groupby("video_id"))) if len(pitch) else {}
    dedup_by = dict(tuple(dedup.groupby("video_id"))) if len(dedup) else {}
    empty_pitch = pd.DataFrame({c: pd.Series(dtype=float) for c in ("time", "f0", "intensity")})
    no_turns = pd.DataFrame(columns=["start", "end", "speaker"])
    turns_by = dict(tuple(speakers.groupby("video_id"))) if speakers is not None and len(speakers) else {}
    parts = []
    for vid, w in words.groupby("video_id", sort=False):
        p = _word_pitch(w, pitch_by.get(vid, empty_pitch))
        f = _word_frames(w, dedup_by.get(vid, dedup.iloc[0:0]))
        s = _word_speakers(
            pd.concat([w, p], axis=1), pitch_by.get(vid, empty_pitch), turns_by.get(vid, no_turns)
        )
        parts.append(pd.concat([w, p, f, s], axis=1))
    df = pd.concat(parts, ignore_index=True)
    return _to_table(df)


def _to_table(df: pd.DataFrame) -> pa.Table:
    cols: dict[str, pa.Array] = {}
    for field in ALIGNED:
        values = df[field.name]
        if pa.types.is_floating(field.type):
            arr = values.to_numpy(dtype=np.float64)
            cols[field.name] = pa.array(arr, mask=~np.isfinite(arr)).cast(field.type)
        else:
            cols[field.name] = pa.array(values, type=field.type, from_pandas=True)
    return pa.table(cols, schema=ALIGNED)


def _read(path: PathLike | None, schema: pa.Schema) -> pd.DataFrame:
    if path is None:
        return schema.empty_table().to_pandas()
    return read_parquet(path, schema).to_pandas()


def align_shard(
    segments: PathLike,
    pitch: PathLike,
    out: PathLike,
    dedup: PathLike | None = None,
    speakers: PathLike | None = None,
) -> Mapping[str, int]:
    """Write a shard's ALIGNED table from its SEGMENTS, PITCH and (optionally) DEDUP and
    SPEAKERS files."""
    seg = _read(segments, SEGMENTS)
    pit = pq.read_table(pitch).to_pandas() if pitch is not None else _read(None, PITCH)
    ded = _read(dedup, DEDUP) if dedup is not None else None
    spk = (
        read_parquet(speakers, SPEAKERS, columns=["video_id", "start", "end", "speaker"]).to_pandas()
        if speakers
        else None
    )
    table = aligned_words(seg, pit, ded, spk)
    write_parquet(table, out, ALIGNED)
    counts = {
        "words": table.num_rows,
        "voiced_words": table.num_rows - table.column("f0_mean").null_count,
        "videos": len(set(table.column("video_id").to_pylist())),
    }
    log.info("aligned: %(words)d words (%(voiced_words)d voiced) of %(videos)d videos", counts)
    return counts
