"""Near-duplicate frame removal within each video, by cosine similarity of embeddings.

Greedy in time order: the first frame is kept; a later frame is dropped iff its cosine
similarity to some *earlier kept* frame is strictly greater than ``threshold``. So a
static shot of ten minutes keeps one frame, and a cut back to an earlier scene (A, B, A)
keeps only the first A.

Similarities are computed once as a matrix product of the L2-normalised embeddings in
float32 and compared with ``threshold`` cast to float32. The greedy pass loops over frames,
not pairs: it keeps, for every later frame, the running maximum similarity to the kept
frames so far (and which frame attains it), updated by one vectorised row operation per
*kept* frame. An hour at 1 fps (3,600 × 576-d) takes ~0.1-0.3 s, mostly the matrix product.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from polimodal.corpus.embeddings import read_embeddings
from polimodal.corpus.schemas import DEDUP, FRAMES, conform, write_parquet, write_parquet_stream
from polimodal.corpus.shards import PerVideo, iter_video_slices, video_order
from polimodal.errors import ConfigError
from polimodal.options import options_from_section

log = logging.getLogger(__name__)


@dataclass
class DedupOptions:
    """Settings of the ``dedup`` config section."""

    threshold: float = 0.9  # a frame more similar than this to an earlier kept frame is dropped

    def check(self, where: str) -> None:
        if not -1 <= float(self.threshold) <= 1:
            raise ConfigError(f"{where}.threshold: must be in [-1, 1], got {self.threshold!r}")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> DedupOptions:
        return options_from_section(cls, section, "config dedup")


def _normalise(emb: np.ndarray) -> np.ndarray:
    emb = np.asarray(emb, dtype=np.float32)
    if emb.ndim != 2:
        raise ValueError(f"embeddings must be a 2-d (n, d) array, got shape {emb.shape}")
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    if np.allclose(norms, 1.0, atol=1e-6):
        return emb  # already unit length: keep the exact values
    return emb / np.maximum(norms, np.float32(1e-12))


# ----------------------------------------------------------------------------- streaming
# ----------------------------------------------------------------------------- dedup
def dedup_embeddings(emb: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy near-duplicate removal over frames in time order.

    Args:
        emb: (n, d) embeddings, one row per frame in time order (normalised here if they
            are not unit length already).
        threshold: a frame whose cosine similarity to an earlier kept frame is strictly
            greater than this is dropped.

    Returns:
        ``kept`` (bool[n]); ``duplicate_of`` (int64[n]): row index of the most similar
        earlier kept frame for dropped frames (earliest on ties), -1 for kept ones;
        ``max_similarity`` (float32[n]): highest similarity to an earlier kept frame,
        NaN for frame 0.
    """
    x = _normalise(emb)
    n = len(x)
    kept = np.zeros(n, dtype=bool)
    duplicate_of = np.full(n, -1, dtype=np.int64)
    best = np.full(n, -np.inf, dtype=np.float32)
    if n == 0:
        return kept, duplicate_of, best
    sim = x @ x.T
    thr = np.float32(threshold)
    best_idx = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        if best[i] > thr:
            duplicate_of[i] = best_idx[i]
            continue
        kept[i] = True
        row = sim[i, i + 1 :]
        tail = best[i + 1 :]
        better = row > tail
        tail[better] = row[better]
        best_idx[i + 1 :][better] = i
    best[0] = np.nan
    return kept, duplicate_of, best


def dedup_table(video_id: str, table: pa.Table, threshold: float) -> pa.Table:
    """DEDUP rows of one video from its EMBEDDINGS rows (sorted by frame_idx first)."""
    table = table.sort_by("frame_idx")
    frame_idx = table.column("frame_idx").to_numpy()
    kept, dup, best = dedup_embeddings(read_embeddings(table), threshold)
    dup_frame = np.where(dup >= 0, frame_idx[np.maximum(dup, 0)], 0)
    n = len(kept)
    return pa.table(
        {
            "video_id": pa.array([video_id] * n, pa.string()),
            "frame_idx": table.column("frame_idx"),
            "timestamp": table.column("timestamp"),
            "kept": pa.array(kept),
            "duplicate_of": pa.array(dup_frame.astype(np.int32), mask=kept),
            "max_similarity": pa.array(best.astype(np.float32), mask=np.isnan(best)),
        }
    )


def dedup_shard(embeddings_path: str | Path, out: str | Path, threshold: float) -> Path:
    """Mark near-duplicate frames of every video of an EMBEDDINGS file; write DEDUP rows.

    Streams the file video by video (rows of one video are contiguous), so only one
    video's embeddings are in memory at a time; either stored layout is read as float32
    (:func:`polimodal.corpus.embeddings.read_embeddings`). Fast enough that resumability is not
    needed: the output is written once, atomically.
    """
    embeddings_path, out = Path(embeddings_path), Path(out)
    t0 = time.monotonic()
    videos = video_order(embeddings_path)
    columns = ["video_id", "frame_idx", "timestamp", "embedding"]
    columns += ["scale"] if "scale" in pq.read_schema(embeddings_path).names else []  # int8 layout
    stream = PerVideo(iter_video_slices(embeddings_path, columns, 4096))
    tables: list[pa.Table] = []
    n_kept = n_all = 0
    for i, vid in enumerate(videos, 1):
        table = pa.Table.from_batches(list(stream.take(vid)))
        result = dedup_table(vid, table, threshold)
        k = int(np.count_nonzero(result.column("kept").to_numpy(zero_copy_only=False)))
        n_kept += k
        n_all += len(result)
        log.info("[dedup] %d/%d %s: kept %d of %d frame(s)", i, len(videos), vid, k, len(result))
        tables.append(result)
    table = pa.concat_tables(tables) if tables else DEDUP.empty_table()
    write_parquet(table, out, DEDUP)
    log.info(
        "[dedup] %d video(s): kept %d of %d frame(s) (threshold %.3f) in %.1f s",
        len(videos),
        n_kept,
        n_all,
        threshold,
        time.monotonic() - t0,
    )
    return out


def _frame_keys(table: pa.Table) -> pa.ChunkedArray:
    """``video_id`` + NUL + ``frame_idx`` of each row: one string key per frame."""
    idx = pc.cast(table.column("frame_idx"), pa.string())
    return pc.binary_join_element_wise(table.column("video_id"), idx, "\x00")


def store_frames(frames_path: str | Path, dedup_path: str | Path, out: str | Path) -> Path:
    """Write the stored FRAMES file: every row of ``frames_path``, the JPEG only of kept frames.

    A frame that DEDUP marks dropped keeps its row (index, time, size) with ``jpeg`` null: every
    reader of JPEGs reads kept frames only (frame models, the task data, the query's contact
    sheet), and its embedding stays in EMBEDDINGS. A frame that DEDUP does not know keeps its
    JPEG. Row groups are kept as they are (one video's frames stay readable without the rest).
    """
    frames_path, out = Path(frames_path), Path(out)
    dedup = pq.read_table(dedup_path, columns=["video_id", "frame_idx", "kept"])
    dropped = dedup.filter(pc.invert(dedup.column("kept")))
    keys = _frame_keys(dropped).combine_chunks()
    n_all = n_dropped = 0
    jpeg_bytes = [0, 0]  # before, after

    def tables() -> Iterator[pa.Table]:
        nonlocal n_all, n_dropped
        pf = pq.ParquetFile(frames_path)
        for rg in range(pf.num_row_groups):
            t = conform(pf.read_row_group(rg), FRAMES, what=str(frames_path))
            drop = pc.is_in(_frame_keys(t), value_set=keys)
            jpeg = t.column("jpeg")
            jpeg_bytes[0] += pc.sum(pc.binary_length(jpeg)).as_py() or 0
            jpeg = pc.if_else(drop, pa.scalar(None, pa.binary()), jpeg)
            jpeg_bytes[1] += pc.sum(pc.binary_length(jpeg)).as_py() or 0
            n_all += t.num_rows
            n_dropped += pc.sum(drop).as_py() or 0
            yield t.set_column(t.schema.get_field_index("jpeg"), FRAMES.field("jpeg"), jpeg)

    write_parquet_stream(tables(), out, FRAMES)
    log.info(
        "[frames] %s: %d frame(s), JPEGs of %d dropped near-duplicate(s) not stored (%.1f of %.1f MB kept)",
        out.name,
        n_all,
        n_dropped,
        jpeg_bytes[1] / 1e6,
        jpeg_bytes[0] / 1e6,
    )
    return out
