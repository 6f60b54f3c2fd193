"""Some videos' rows of a shard table, read row group by row group (the one way to read them).

Every per-video table (FRAMES, AUDIO, DEDUP, EMBEDDINGS, PITCH, ALIGNED, TRANSCRIPTS, VIDEOS ...)
is written with small row groups, a few videos each, a video's rows contiguous. To read a few
videos of a large table, read the ``video_id`` column of each row group first, then only the row
groups that hold one of them: the other videos' bytes (JPEGs, audio) are never read, so the cost
follows the table's *ids*, not its size.

- :func:`video_row_groups` + :func:`read_video_rows`: one video at a time (an index of the file,
  then the video's row groups), for loops over a shard's videos and random access;
- :func:`select_videos` / :func:`read_videos`: the rows of a set of videos, in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from polimodal.errors import SchemaError
from polimodal.types import PathLike


def video_row_groups(path: str | Path) -> dict[str, list[int]]:
    """video_id → the row groups of ``path`` that hold its rows (reads the ``video_id`` column only)."""
    pf = pq.ParquetFile(path)
    where: dict[str, list[int]] = {}
    for rg in range(pf.num_row_groups):
        for vid in pc.unique(pf.read_row_group(rg, columns=["video_id"]).column("video_id")).to_pylist():
            where.setdefault(str(vid), []).append(rg)
    return where


def read_video_rows(
    path: str | Path, video_id: str, row_groups: Sequence[int], columns: list[str]
) -> pa.Table:
    """The rows of ``video_id`` from the given row groups of ``path`` (see :func:`video_row_groups`)."""
    pf = pq.ParquetFile(path)
    tables = [pf.read_row_group(rg, columns=columns) for rg in row_groups]
    if not tables:
        return pf.schema_arrow.empty_table().select(columns)
    return rows_of(pa.concat_tables(tables), video_id)


def rows_of(table: pa.Table, video_id: str) -> pa.Table:
    """The rows of ``table`` (e.g. a row group) that belong to ``video_id``."""
    return table.filter(pc.equal(table.column("video_id"), video_id))


def select_videos(
    path: PathLike, video_ids: Iterable[str] | pa.Array, columns: Sequence[str]
) -> Iterator[pa.Table]:
    """The rows of ``path`` whose ``video_id`` is in ``video_ids``, row group by row group.

    Only the ``video_id`` column of a row group without such a row is read.
    """
    ids = video_ids if isinstance(video_ids, pa.Array) else pa.array(sorted(set(video_ids)), pa.string())
    pf = pq.ParquetFile(path)
    missing = [c for c in columns if c not in pf.schema_arrow.names]
    if missing:
        raise SchemaError(f"{path}: missing column(s) {missing}")
    for rg in range(pf.num_row_groups):
        mask = pc.is_in(pf.read_row_group(rg, columns=["video_id"]).column("video_id"), value_set=ids)
        if not pc.any(mask).as_py():
            continue
        table = pf.read_row_group(rg, columns=list(columns))
        yield table.filter(mask)


def read_videos(path: PathLike, video_ids: Iterable[str] | pa.Array, columns: Sequence[str]) -> pa.Table:
    """:func:`select_videos` as one table, in file order (typed, with ``columns``, even when empty)."""
    tables = list(select_videos(path, video_ids, columns))
    return pa.concat_tables([pq.read_schema(path).empty_table().select(list(columns)), *tables])
