"""Process a shard's videos one at a time, resumably.

Each finished video is written to a part file beside the shard's output
(``<out>.parts/<video_id>.parquet``); a killed job, rerun, skips those videos. When
all videos are done the parts are concatenated atomically into the output and the
part folder is removed. Snakemake never sees the part files, so the DAG stays one
file per shard per stage.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from polimodal.corpus.schemas import conform, write_parquet
from polimodal.errors import SchemaError

log = logging.getLogger(__name__)


def parts_dir(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name + ".parts")


def part_paths(first_out: str | Path, video_id: str, names: Sequence[str]) -> list[Path]:
    """Where :func:`process_videos` keeps ``video_id``'s finished tables, one per output name
    (``first_out`` is the path of the first output)."""
    work = parts_dir(first_out)
    return [work / f"{video_id}.{name}.parquet" for name in names]


def process_videos(
    video_ids: Sequence[str],
    fn: Callable[[str], dict[str, pa.Table]],
    outputs: dict[str, tuple[Path, pa.Schema]],
    *,
    label: str = "shard",
) -> None:
    """Run ``fn(video_id)`` for each video and gather its tables into ``outputs``.

    ``fn`` returns one table per output name (a key of ``outputs``). Progress is logged
    once per video with the rate and an estimate of the time left.
    """
    names = list(outputs)
    first_out = outputs[names[0]][0]
    work = parts_dir(first_out)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    done_now = 0
    n = len(video_ids)
    for i, vid in enumerate(video_ids, 1):
        paths = dict(zip(names, part_paths(first_out, vid, names), strict=True))
        if all(p.exists() for p in paths.values()):
            log.info("[%s] %d/%d %s: already done, skipped", label, i, n, vid)
            continue
        tables = fn(vid)
        for name in names:
            write_parquet(tables[name], paths[name], outputs[name][1])
        done_now += 1
        rate = done_now / max(time.monotonic() - t0, 1e-9)
        log.info("[%s] %d/%d %s done (%.2f videos/s, ~%.0f s left)", label, i, n, vid, rate, (n - i) / rate)
    for name in names:
        out, schema = outputs[name]
        tables = [conform(pq.read_table(work / f"{vid}.{name}.parquet"), schema) for vid in video_ids]
        table = pa.concat_tables(tables) if tables else schema.empty_table()
        write_parquet(table, out, schema)
    shutil.rmtree(work, ignore_errors=True)
    log.info("[%s] %d video(s) in %.1f s", label, n, time.monotonic() - t0)


# ----------------------------------------------------------------------------- reading shards
def video_order(path: str | Path) -> list[str]:
    """Video ids of a per-frame Parquet file in order of first appearance (reads one column)."""
    ids = pq.read_table(path, columns=["video_id"]).column("video_id")
    unique = pc.unique(ids).to_pylist()
    return [str(v) for v in unique]


def iter_video_slices(
    path: str | Path, columns: list[str], batch_size: int
) -> Iterator[tuple[str, pa.RecordBatch]]:
    """(video_id, slice) pieces of a per-frame file in row order; checks videos are contiguous."""
    seen: set[str] = set()
    last: str | None = None
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size, columns=columns):
        ids = batch.column("video_id").to_pylist()
        start = 0
        for k in range(1, len(ids) + 1):
            if k == len(ids) or ids[k] != ids[start]:
                vid = ids[start]
                if vid != last:
                    if vid in seen:
                        raise SchemaError(f"{path}: rows of video {vid!r} are not contiguous")
                    seen.add(vid)
                    last = vid
                yield vid, batch.slice(start, k - start)
                start = k


class PerVideo:
    """Hand out a stream's slices one video at a time, in file order."""

    def __init__(self, pieces: Iterator[tuple[str, pa.RecordBatch]]) -> None:
        self._pieces = pieces
        self._head: tuple[str, pa.RecordBatch] | None = None

    def _peek(self) -> tuple[str, pa.RecordBatch] | None:
        if self._head is None:
            self._head = next(self._pieces, None)
        return self._head

    def take(self, video_id: str) -> Iterator[pa.RecordBatch]:
        """Yield ``video_id``'s slices, first skipping (unread) earlier videos."""
        while (head := self._peek()) is not None and head[0] != video_id:
            self._head = None
        while (head := self._peek()) is not None and head[0] == video_id:
            self._head = None
            yield head[1]
