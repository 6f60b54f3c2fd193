"""A task's own data, built once per task: every model × fold of the task reads only this.

A corpus of millions of videos is labelled for a few thousand: a train job must not open every
shard of the corpus. :func:`build_task_data` selects, with vectorised filters, the task's videos
(those of its SPLITS) from the corpus-wide tables and shard files:

- ``texts``: TASK_TEXTS rows (title, description, transcript, its language, a post's text parts,
  the site's captions) of each task video;
- ``frames``: FRAMES rows of the frames each task video keeps after near-duplicate removal;
- ``aligned`` / ``pitch`` / ``embeddings`` (:func:`build_task_sequences`, when a model reads
  ``words`` or ``audio``): ALIGNED and PITCH rows of the task videos and EMBEDDINGS rows of their
  kept frames.

Selection (:func:`polimodal.corpus.rows.select_videos`) reads the ``video_id`` column of each
row group first, then only the row groups that hold a task video (shard files are written with
small row groups, a few videos each): the JPEG bytes of other videos are never read, so the cost
follows the corpus's *ids*, not its frames. The files a model reads of these, by input:
:data:`polimodal.data.inputs.INPUTS`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from polimodal.corpus.experiment_schemas import SPLITS, TASK_TEXTS
from polimodal.corpus.rows import select_videos
from polimodal.corpus.schemas import (
    DEDUP,
    FRAMES,
    TEXT_PARTS,
    TRANSCRIPTS,
    VIDEOS,
    has_column,
    read_parquet,
    write_parquet,
    write_parquet_stream,
)
from polimodal.data.captions import caption_texts
from polimodal.data.texts import read_ocr_texts
from polimodal.types import PathLike

log = logging.getLogger(__name__)


def _concat(tables: Iterable[pa.Table], schema: pa.Schema) -> pa.Table:
    parts = [t for t in tables if t.num_rows]
    return pa.concat_tables(parts) if parts else schema.empty_table()


def task_texts(
    video_ids: pa.Array,
    videos: PathLike,
    transcripts: PathLike,
    *,
    captions: Sequence[PathLike] = (),
    ocr: Sequence[PathLike] = (),
) -> pa.Table:
    """TASK_TEXTS of ``video_ids`` (in that order): metadata texts, the transcript, its language,
    a post's text parts, the captions (of the CAPTIONS files ``captions``; null without) and the
    on-screen text (``ocr``: every shard's OCR_TEXTS; none: null)."""
    meta = _concat(select_videos(videos, video_ids, ["video_id", "title", "description"]), VIDEOS)
    columns = ["video_id", "text", "language"]
    parts = has_column(transcripts, "parts")  # a TRANSCRIPTS file written before posts had parts: none
    words = _concat(select_videos(transcripts, video_ids, columns + ["parts"] * parts), TRANSCRIPTS)
    base = pa.table({"video_id": video_ids})
    table = base.join(meta.select(["video_id", "title", "description"]), "video_id", join_type="left outer")
    # joins cannot carry list columns (a post's parts): join row numbers, then take the parts
    keys = words.select(columns).rename_columns(["video_id", "transcript", "language"])
    keys = keys.append_column("row", pa.array(range(words.num_rows), pa.int64()))
    table = table.join(keys, "video_id", join_type="left outer")
    order = pc.index_in(table.column("video_id"), value_set=video_ids)
    table = table.take(pc.sort_indices(order))
    if parts:
        table = table.append_column("parts", words.column("parts").take(table.column("row")))
    else:
        table = table.append_column("parts", pa.nulls(table.num_rows, TEXT_PARTS))
    languages = dict(zip(*(table.column(c).to_pylist() for c in ("video_id", "language")), strict=True))
    said = caption_texts(captions, {v: lang or "" for v, lang in languages.items()}, video_ids)
    table = table.append_column("captions", pa.array([said.get(v) for v in languages], pa.string()))
    on_screen = read_ocr_texts(ocr) if ocr else {}
    table = table.append_column(
        "ocr", pa.array([on_screen.get(v) for v in table.column("video_id").to_pylist()], pa.string())
    )
    return table.select(TASK_TEXTS.names).cast(TASK_TEXTS)


def kept_frames(
    video_ids: pa.Array, frames_paths: Sequence[PathLike], dedup_paths: Sequence[PathLike]
) -> Iterator[pa.Table]:
    """FRAMES rows of the kept frames of ``video_ids``, one shard (FRAMES + DEDUP file) at a time."""
    if len(frames_paths) != len(dedup_paths):
        raise ValueError(f"{len(frames_paths)} FRAMES files but {len(dedup_paths)} DEDUP files")
    for frames_path, dedup_path in zip(frames_paths, dedup_paths, strict=True):
        dedup = _concat(select_videos(dedup_path, video_ids, ["video_id", "frame_idx", "kept"]), DEDUP)
        if not dedup.num_rows:
            continue
        kept = dedup.filter(dedup.column("kept")).select(["video_id", "frame_idx"])
        frames = _concat(select_videos(frames_path, video_ids, FRAMES.names), FRAMES)
        # a semi join keeps the left table's row order (videos contiguous, frames in time order)
        yield frames.join(kept, ["video_id", "frame_idx"], join_type="left semi").sort_by(
            [("video_id", "ascending"), ("frame_idx", "ascending")]
        )


def build_task_data(
    splits: PathLike,
    videos: PathLike,
    transcripts: PathLike,
    frames_paths: Sequence[PathLike],
    dedup_paths: Sequence[PathLike],
    *,
    texts_out: PathLike,
    frames_out: PathLike,
    captions: Sequence[PathLike] = (),
    ocr: Sequence[PathLike] = (),
) -> dict[str, int]:
    """Write the task's TASK_TEXTS and kept FRAMES (see the module docstring); return counts.

    ``frames_paths``/``dedup_paths``: the FRAMES and DEDUP files of every shard, in the same
    order (empty when no model of the task reads frames: ``frames_out`` is then empty);
    ``captions``: every shard's CAPTIONS file (config ``captions.enabled``), else none.
    """
    t0 = time.monotonic()
    ids = pc.unique(read_parquet(splits, SPLITS, columns=["video_id"]).column("video_id"))
    ids = ids.cast(pa.string())
    texts = task_texts(ids, videos, transcripts, captions=captions, ocr=ocr)
    write_parquet(texts, texts_out, TASK_TEXTS)
    n_frames = 0

    def counted(tables: Iterator[pa.Table]) -> Iterator[pa.Table]:
        nonlocal n_frames
        for table in tables:
            n_frames += table.num_rows
            yield table

    write_parquet_stream(counted(kept_frames(ids, frames_paths, dedup_paths)), frames_out, FRAMES)
    counts = {
        "videos": len(ids),
        "with_transcript": texts.column("transcript").null_count,
        "frames": n_frames,
    }
    counts["with_transcript"] = len(ids) - counts["with_transcript"]
    log.info(
        "task data: %d videos (%d with a transcript), %d kept frames from %d shard(s), in %.1f s",
        counts["videos"],
        counts["with_transcript"],
        n_frames,
        len(frames_paths),
        time.monotonic() - t0,
    )
    return counts


def build_task_sequences(
    splits: PathLike,
    aligned_paths: Sequence[PathLike],
    pitch_paths: Sequence[PathLike],
    embeddings_paths: Sequence[PathLike],
    dedup_paths: Sequence[PathLike],
    *,
    aligned_out: PathLike,
    pitch_out: PathLike,
    embeddings_out: PathLike,
) -> dict[str, int]:
    """Write the task videos' ALIGNED, PITCH and kept-frame EMBEDDINGS rows (every shard's files,
    embeddings and DEDUP in the same order); empty lists write empty files. Returns row counts.

    The embeddings keep their stored layout (int8 or float16, :mod:`polimodal.corpus.embeddings`),
    that of the first file when shards differ (the others are converted to it)."""
    from polimodal.corpus.embeddings import layout_of, to_layout
    from polimodal.corpus.schemas import ALIGNED, EMBEDDINGS, PITCH

    t0 = time.monotonic()
    ids = pc.unique(read_parquet(splits, SPLITS, columns=["video_id"]).column("video_id")).cast(pa.string())
    counts: dict[str, int] = {}

    def rows(paths: Sequence[PathLike], schema: pa.Schema, name: str) -> Iterator[pa.Table]:
        counts[name] = 0
        for path in paths:
            for table in select_videos(path, ids, schema.names):
                counts[name] += table.num_rows
                yield table

    write_parquet_stream(rows(aligned_paths, ALIGNED, "aligned"), aligned_out, ALIGNED)
    write_parquet_stream(rows(pitch_paths, PITCH, "pitch"), pitch_out, PITCH)
    if len(embeddings_paths) != len(dedup_paths):
        raise ValueError(f"{len(embeddings_paths)} EMBEDDINGS files but {len(dedup_paths)} DEDUP files")

    layout = layout_of(pq.read_schema(embeddings_paths[0])) if embeddings_paths else EMBEDDINGS

    def kept_embeddings() -> Iterator[pa.Table]:
        counts["embeddings"] = 0
        for emb_path, dedup_path in zip(embeddings_paths, dedup_paths, strict=True):
            dedup = _concat(select_videos(dedup_path, ids, ["video_id", "frame_idx", "kept"]), DEDUP)
            kept = dedup.filter(dedup.column("kept")).select(["video_id", "frame_idx"])
            stored = layout_of(pq.read_schema(emb_path))
            emb = to_layout(_concat(select_videos(emb_path, ids, stored.names), stored), layout)
            # joins cannot carry list columns: join the keys with row numbers, then take the rows
            keys = emb.select(["video_id", "frame_idx"]).append_column(
                "row", pa.array(range(emb.num_rows), pa.int64())
            )
            rows = keys.join(kept, ["video_id", "frame_idx"], join_type="left semi").column("row")
            table = emb.take(rows)
            counts["embeddings"] += table.num_rows
            yield table.sort_by([("video_id", "ascending"), ("frame_idx", "ascending")])

    write_parquet_stream(kept_embeddings(), embeddings_out, layout)
    log.info("task sequences: %s rows for %d videos in %.1f s", counts, len(ids), time.monotonic() - t0)
    return counts
