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
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from polimodal.schemas import conform, write_parquet

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
