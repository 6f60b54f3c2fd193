"""Process a shard's videos one at a time, resumably, never reusing a stale result.

Each finished video is written to part files beside the shard's outputs
(``<out>.parts/<video_id>.<name>.parquet``), then a key file (``<video_id>.key``) that
records what made them: the video's input (its source, or the digest of the audio or frames
it was made from) and the stage's options. A killed job, rerun, skips a video only when its
key is unchanged; a video whose input or settings changed in between is done again. When all
videos are done the parts are concatenated atomically into the outputs and the part folder is
removed. Snakemake never sees the part files, so the DAG stays one file per shard per stage.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from polimodal.corpus.schemas import write_parquet, write_parquet_stream
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


def work_key(*parts: Any) -> str:
    """A short, stable digest of what makes a video's result (JSON of ``parts``, sorted keys)."""
    raw = json.dumps(parts, sort_keys=True, default=_plain)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def process_videos(
    video_ids: Sequence[str],
    fn: Callable[[str], dict[str, pa.Table]],
    outputs: dict[str, tuple[Path, pa.Schema]],
    *,
    key: Callable[[str], str] | None = None,
    label: str = "shard",
) -> None:
    """Run ``fn(video_id)`` for each video and gather its tables into ``outputs``.

    ``fn`` returns one table per output name (a key of ``outputs``). ``key(video_id)`` says
    what the video's result is made from (see :func:`work_key`); finished parts of an earlier
    run are reused only under the same key (without ``key``: whenever they exist). Progress is
    logged once per video with the rate and an estimate of the time left.
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
        key_file = work / f"{vid}.key"
        want = key(vid) if key is not None else ""
        if all(p.exists() for p in paths.values()) and (key is None or _read(key_file) == want):
            log.info("[%s] %d/%d %s: already done, skipped", label, i, n, vid)
            continue
        if key_file.exists() or any(p.exists() for p in paths.values()):
            log.info("[%s] %s: earlier parts were made from other inputs or settings: redone", label, vid)
        key_file.unlink(missing_ok=True)
        tables = fn(vid)
        for name in names:
            write_parquet(tables[name], paths[name], outputs[name][1])
        if key is not None:
            _write_atomic(key_file, want)
        done_now += 1
        rate = done_now / max(time.monotonic() - t0, 1e-9)
        log.info("[%s] %d/%d %s done (%.2f videos/s, ~%.0f s left)", label, i, n, vid, rate, (n - i) / rate)
    for name in names:
        out, schema = outputs[name]
        parts = (pq.read_table(work / f"{vid}.{name}.parquet") for vid in video_ids)
        write_parquet_stream(parts, out, schema)
    shutil.rmtree(work, ignore_errors=True)
    log.info("[%s] %d video(s) in %.1f s", label, n, time.monotonic() - t0)


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


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
    table = pa.concat_tables(tables)
    return table.filter(pc.equal(table.column("video_id"), video_id))


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
