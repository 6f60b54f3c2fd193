"""What a model sees: one split (train, validation or test) of one task and fold.

:class:`VideoData` holds, for each video of the split, in a fixed order:

- ``video_ids``: the ids (as in the sample sheet),
- ``labels``: the true label (a string, one of the task's allowed values),
- ``texts``: the video's text: the transcript, optionally preceded by title and description
  (``text_fields``; the parts are joined with a blank line; missing parts are skipped, so a
  silent video without metadata has the empty string),
- frames, streamed from the shard files on demand (never all in memory):
  ``frames(video_id)`` → the kept (deduplicated) JPEG frames of one video in time order;
  ``iter_video_frames()`` → ``(video_id, [jpeg, ...])`` for every video of the split, one video at
  a time, in shard file order (fastest: one pass over each shard);
  ``iter_frames()`` → ``(video_id, frame_idx, jpeg)`` for every kept frame, same order.

"Kept" = ``kept`` is true in the DEDUP table of the shard; without DEDUP tables every frame of
FRAMES is kept. A video with no frame (audio only) has an empty list.

Build the splits of a fold with :func:`load_fold` (what :func:`polimodal.experiments.run.run_fold`
does): ``load_fold(splits, fold, texts=read_texts(...), frames=FrameStore(...))``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from polimodal.corpus.schemas import SPLITS, TASK_TEXTS, TRANSCRIPTS, VIDEOS, read_parquet
from polimodal.errors import ConfigError, SchemaError
from polimodal.models.registry import TEXT_FIELDS
from polimodal.types import PathLike

if TYPE_CHECKING:
    from polimodal.align.sequences import SequenceStore, VideoSequences

log = logging.getLogger(__name__)


class FrameStore:
    """Kept frames of many videos, read from FRAMES shard files (+ DEDUP shard files).

    Opening the store reads only the ``video_id`` column of each FRAMES file (to know which
    row groups hold which video) and the small DEDUP tables; JPEG bytes are read on demand.
    """

    def __init__(
        self, frames_paths: Iterable[PathLike], dedup_paths: Iterable[PathLike] | None = None
    ) -> None:
        self.frames_paths = [Path(p) for p in frames_paths]
        self._where: dict[str, list[tuple[int, int]]] = defaultdict(list)  # vid -> [(file, row group)]
        for fi, path in enumerate(self.frames_paths):
            pf = pq.ParquetFile(path)
            missing = {"video_id", "frame_idx", "jpeg"} - set(pf.schema_arrow.names)
            if missing:
                raise SchemaError(f"{path}: not a FRAMES table (missing columns {sorted(missing)})")
            for rg in range(pf.num_row_groups):
                ids = pf.read_row_group(rg, columns=["video_id"]).column("video_id")
                for vid in pc.unique(ids).to_pylist():
                    self._where[vid].append((fi, rg))
        self._dropped: dict[str, set[int]] | None = None
        if dedup_paths is not None:
            self._dropped = defaultdict(set)
            self._deduped: set[str] = set()
            for path in dedup_paths:
                t = pq.read_table(path, columns=["video_id", "frame_idx", "kept"])
                for vid, idx, kept in zip(*(t.column(c).to_pylist() for c in t.column_names), strict=True):
                    self._deduped.add(vid)
                    if not kept:
                        self._dropped[vid].add(idx)
        self._cache: tuple[tuple[int, int], pa.Table] | None = None

    def __contains__(self, video_id: str) -> bool:
        return video_id in self._where

    @property
    def video_ids(self) -> list[str]:
        return list(self._where)

    def _is_kept(self, video_id: str, frame_idx: int) -> bool:
        return self._dropped is None or frame_idx not in self._dropped.get(video_id, ())

    def _row_group(self, fi: int, rg: int) -> pa.Table:
        if self._cache is None or self._cache[0] != (fi, rg):
            pf = pq.ParquetFile(self.frames_paths[fi])
            self._cache = ((fi, rg), pf.read_row_group(rg, columns=["video_id", "frame_idx", "jpeg"]))
        return self._cache[1]

    def frames(self, video_id: str) -> list[bytes]:
        """Kept JPEG frames of ``video_id`` in time order (``[]`` when it has none)."""
        pairs: list[tuple[int, bytes]] = []
        for fi, rg in self._where.get(video_id, ()):
            t = self._row_group(fi, rg)
            t = t.filter(pc.equal(t.column("video_id"), video_id))
            for idx, jpeg in zip(
                t.column("frame_idx").to_pylist(), t.column("jpeg").to_pylist(), strict=True
            ):
                if jpeg is not None and self._is_kept(video_id, idx):
                    pairs.append((idx, jpeg))
        pairs.sort(key=lambda p: p[0])
        return [jpeg for _, jpeg in pairs]

    def iter_frames(
        self, video_ids: Iterable[str], batch_size: int = 256
    ) -> Iterator[tuple[str, int, bytes]]:
        """``(video_id, frame_idx, jpeg)`` of every kept frame of ``video_ids``, in file order.

        One streaming pass over each FRAMES file that holds one of the videos; memory stays at
        about ``batch_size`` frames.
        """
        wanted = set(video_ids)
        files = sorted({fi for vid in wanted for fi, _ in self._where.get(vid, ())})
        value_set = pa.array(sorted(wanted), type=pa.string())
        for fi in files:
            pf = pq.ParquetFile(self.frames_paths[fi])
            for batch in pf.iter_batches(batch_size=batch_size, columns=["video_id", "frame_idx", "jpeg"]):
                batch = batch.filter(pc.is_in(batch.column("video_id"), value_set=value_set))
                cols = (batch.column(c).to_pylist() for c in ("video_id", "frame_idx", "jpeg"))
                for vid, idx, jpeg in zip(*cols, strict=True):
                    if jpeg is not None and self._is_kept(vid, idx):
                        yield vid, idx, jpeg

    def iter_video_frames(
        self, video_ids: Sequence[str], batch_size: int = 256
    ) -> Iterator[tuple[str, list[bytes]]]:
        """``(video_id, kept JPEGs in time order)`` for each of ``video_ids`` (each exactly once).

        Videos found in the FRAMES files come first, in file order, one video in memory at a
        time (assuming, as every stage writes them, that a video's rows are contiguous); videos
        without frames follow with ``[]``, in the given order.
        """
        seen: set[str] = set()
        current: str | None = None
        pairs: list[tuple[int, bytes]] = []

        def flush() -> tuple[str, list[bytes]]:
            pairs.sort(key=lambda p: p[0])
            return current, [j for _, j in pairs]  # type: ignore[return-value]

        for vid, idx, jpeg in self.iter_frames(video_ids, batch_size=batch_size):
            if vid != current:
                if current is not None:
                    yield flush()
                if vid in seen:  # not contiguous: fall back to the random-access path
                    raise SchemaError(f"frames of video {vid!r} are not contiguous in their FRAMES file")
                seen.add(vid)
                current, pairs = vid, []
            pairs.append((idx, jpeg))
        if current is not None:
            yield flush()
        for vid in video_ids:
            if vid not in seen:
                seen.add(vid)
                yield vid, []


@dataclass
class VideoData:
    """One split of one task (see the module docstring). ``len(data)`` = number of videos."""

    video_ids: list[str]
    labels: list[str]
    texts: list[str]
    store: FrameStore | None = field(default=None, repr=False)
    #: per-video word / audio / frame-embedding sequences (models that read ``words``/``audio``)
    sequences: SequenceStore | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = len(self.video_ids)
        if len(self.labels) != n or len(self.texts) != n:
            raise ValueError(
                f"VideoData: {n} video_ids, {len(self.labels)} labels, {len(self.texts)} texts (must match)"
            )

    def __len__(self) -> int:
        return len(self.video_ids)

    def _need_store(self) -> FrameStore:
        if self.store is None:
            raise ConfigError("this VideoData has no frames: the model needs FRAMES/DEDUP shard files")
        return self.store

    def frames(self, video_id: str) -> list[bytes]:
        """Kept JPEG frames of one video, in time order."""
        return self._need_store().frames(video_id)

    def iter_video_frames(self, batch_size: int = 256) -> Iterator[tuple[str, list[bytes]]]:
        """``(video_id, kept JPEGs)`` for every video of the split (file order, then frameless ones)."""
        return self._need_store().iter_video_frames(self.video_ids, batch_size=batch_size)

    def iter_frames(self, batch_size: int = 256) -> Iterator[tuple[str, int, bytes]]:
        """``(video_id, frame_idx, jpeg)`` for every kept frame of the split's videos (file order)."""
        return self._need_store().iter_frames(self.video_ids, batch_size=batch_size)

    def sequence(self, video_id: str) -> VideoSequences:
        """The video's word, audio and frame-embedding sequences (:mod:`polimodal.align.sequences`)."""
        if self.sequences is None:
            raise ConfigError("this VideoData has no sequences: the model needs the task's aligned data")
        return self.sequences.get(video_id)

    def subset(self, video_ids: Iterable[str]) -> VideoData:
        """The same data restricted to ``video_ids`` (in that order)."""
        pos = {v: i for i, v in enumerate(self.video_ids)}
        idx = [pos[v] for v in video_ids]
        return VideoData(
            [self.video_ids[i] for i in idx],
            [self.labels[i] for i in idx],
            [self.texts[i] for i in idx],
            self.store,
            self.sequences,
        )


def read_texts(
    transcripts: PathLike | None,
    videos: PathLike | None = None,
    fields: Sequence[str] = ("transcript",),
) -> dict[str, str]:
    """video_id → text made of ``fields`` (a subset of :data:`TEXT_FIELDS`), joined by a blank line.

    ``transcripts`` is a TRANSCRIPTS table (needed for ``transcript``), ``videos`` a VIDEOS
    table (needed for ``title``/``description``). The parts always come in the order title,
    description, transcript. Videos absent from both tables are absent from the result.
    """
    fields = _check_fields(fields)
    parts: dict[str, dict[str, str]] = defaultdict(dict)
    if "transcript" in fields:
        if transcripts is None:
            raise ConfigError("text_fields includes 'transcript' but no transcripts table was given")
        t = read_parquet(transcripts, TRANSCRIPTS, columns=["video_id", "text"])
        for vid, text in zip(t.column("video_id").to_pylist(), t.column("text").to_pylist(), strict=True):
            parts[vid]["transcript"] = text or ""
    meta = [f for f in fields if f in ("title", "description")]
    if meta:
        if videos is None:
            raise ConfigError(f"text_fields includes {meta} but no videos table was given")
        t = read_parquet(videos, VIDEOS, columns=["video_id", *meta])
        for row in t.to_pylist():
            for f in meta:
                parts[row["video_id"]][f] = row[f] or ""
    return _join_parts(parts, fields)


def read_task_texts(path: PathLike, fields: Sequence[str] = ("transcript",)) -> dict[str, str]:
    """:func:`read_texts` from a task's TASK_TEXTS table (:mod:`polimodal.experiments.taskdata`).

    Every video of the task is in the result; a part it lacks counts as empty.
    """
    fields = _check_fields(fields)
    t = read_parquet(path, TASK_TEXTS, columns=["video_id", *fields])
    parts = {row["video_id"]: {f: row[f] or "" for f in fields} for row in t.to_pylist()}
    return _join_parts(parts, fields)


def _check_fields(fields: Sequence[str]) -> list[str]:
    bad = [f for f in fields if f not in TEXT_FIELDS]
    if bad or not fields:
        raise ConfigError(
            f"text_fields {list(fields)}: each must be one of {list(TEXT_FIELDS)}, at least one"
        )
    return list(fields)


def _join_parts(parts: dict[str, dict[str, str]], fields: Sequence[str]) -> dict[str, str]:
    return {
        vid: "\n\n".join(p[f].strip() for f in TEXT_FIELDS if f in fields and p.get(f, "").strip())
        for vid, p in parts.items()
    }


def read_splits(path: PathLike) -> pd.DataFrame:
    """A SPLITS table as a DataFrame (columns task, fold, video_id, label, split)."""
    return read_parquet(path, SPLITS).to_pandas()


def load_fold(
    splits: pd.DataFrame | PathLike,
    fold: int,
    texts: dict[str, str] | None = None,
    frames: FrameStore | None = None,
    sequences: SequenceStore | None = None,
) -> dict[str, VideoData]:
    """``{"train": VideoData, "validation": ..., "test": ...}`` of ``fold`` in SPLITS order.

    A video without text gets ``""`` (texts=None: every text is ``""``).
    """
    df = splits if isinstance(splits, pd.DataFrame) else read_splits(splits)
    df = df[df["fold"] == fold]
    if df.empty:
        raise ConfigError(f"fold {fold} not in splits (folds: {sorted(set(splits['fold']))})")  # type: ignore[index]
    texts = texts or {}
    out = {}
    for split in ("train", "validation", "test"):
        part = df[df["split"] == split]
        ids = part["video_id"].tolist()
        out[split] = VideoData(
            ids, part["label"].tolist(), [texts.get(v, "") for v in ids], frames, sequences
        )
    return out
