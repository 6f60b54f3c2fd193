"""A corpus's (or a task's) kept frames, streamed from FRAMES files: what an image model reads.

"Kept" = ``kept`` is true in the DEDUP table of the shard; without DEDUP tables every frame of
FRAMES is kept (a task's own FRAMES table, :mod:`polimodal.experiments.taskdata`, holds kept frames
only). JPEG bytes are read on demand, never all in memory: by video (:meth:`FrameStore.frames`,
random access through an index of the files' row groups, :mod:`polimodal.corpus.rows`) or in one
pass over the files (:meth:`FrameStore.iter_frames`, :meth:`FrameStore.iter_video_frames`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from polimodal.corpus.rows import rows_of, video_row_groups
from polimodal.errors import SchemaError
from polimodal.types import PathLike


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
            missing = {"video_id", "frame_idx", "jpeg"} - set(pq.read_schema(path).names)
            if missing:
                raise SchemaError(f"{path}: not a FRAMES table (missing columns {sorted(missing)})")
            for vid, groups in video_row_groups(path).items():
                self._where[vid].extend((fi, rg) for rg in groups)
        self._dropped: dict[str, set[int]] | None = None
        self._kept: set[str] | None = None  # videos with a kept frame (with DEDUP tables)
        if dedup_paths is not None:
            self._dropped = defaultdict(set)
            self._kept = set()
            for path in dedup_paths:
                t = pq.read_table(path, columns=["video_id", "frame_idx", "kept"])
                for vid, idx, kept in zip(*(t.column(c).to_pylist() for c in t.column_names), strict=True):
                    if kept:
                        self._kept.add(vid)
                    else:
                        self._dropped[vid].add(idx)
        self._cache: tuple[tuple[int, int], pa.Table] | None = None

    def __contains__(self, video_id: str) -> bool:
        return video_id in self._where

    @property
    def video_ids(self) -> list[str]:
        return list(self._where)

    def has_frames(self, video_id: str) -> bool:
        """Whether the video keeps a frame (its DEDUP rows say so; without DEDUP: it has a row)."""
        return video_id in (self._kept if self._kept is not None else self._where)

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
            t = rows_of(self._row_group(fi, rg), video_id)
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
