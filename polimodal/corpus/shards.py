"""Process a shard's videos one at a time, resumably, never reusing a stale result, never
making a finished video worse.

Each finished video is written to part files beside the shard's outputs
(``<out>.parts/<video_id>.<name>.parquet``), then a key file (``<video_id>.key``) that
records what made them: the video's input (its source, or the digest of the audio or frames
it was made from) and the stage's output settings (:func:`polimodal.options.output_settings`).
A killed job, rerun, skips a video only when its key is unchanged; a video whose input or
settings changed in between is done again. When all videos are done the parts are
concatenated atomically into the outputs and the part folder is removed. Snakemake never sees
the part files, so the DAG stays one file per shard per stage.

A finished job also leaves its outputs, hard-linked (the same bytes, no extra storage; copied
only where the file system cannot link), with every video's key in a hidden folder beside
them (``.<out>.previous/``, :func:`previous_dir`). Snakemake deletes a job's outputs before it
runs the job again (a row appended to the shard, a changed output setting, ``--forcerun``),
but not that folder, so the rerun

* reuses the rows of every video whose key is unchanged instead of fetching or computing it
  again (appending a row to a shard of 200 fetches one video, not 200); a video an earlier
  run could not have (``done`` false: unavailable) is tried again;
* keeps a video's earlier rows when it cannot be had any more (with ``origin``: the ingest
  stages; a video taken down since, say) and only logs the failure: its rows of the earlier
  run stay, made with the earlier settings, and its key says so, so a later rerun tries it
  again;

then replaces the folder's links with the new outputs. Deleting a ``.previous`` folder makes
the next run of that shard start from nothing.

An output that does not last (Snakemake's ``temp()``: the ingest job's table of every frame's
JPEG, read by embed and by the rule that stores the kept frames) is not linked: its bytes would
outlive it in the folder. Its lasting copy (``stored``: the stored frames, without the JPEGs of
near-duplicates) stands in for it, for videos that cannot be had any more only; a video that
can is made again (fetched: the dropped JPEGs are needed again), so a rerun costs a fetch there
but never loses a video (``frames.keep_dropped: true`` stores every JPEG and reuses instead).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from polimodal.corpus.rows import read_video_rows, video_row_groups
from polimodal.corpus.schemas import write_parquet, write_parquet_stream
from polimodal.errors import SchemaError

log = logging.getLogger(__name__)

#: The file of :func:`previous_dir` with every video's key, origin and whether it was done.
PREVIOUS_KEYS = "keys.json"


def parts_dir(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name + ".parts")


def previous_dir(out: str | Path) -> Path:
    """The hidden folder with the outputs of the last finished job (``out``: its first output)."""
    out = Path(out)
    return out.with_name(f".{out.name}.previous")


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


@dataclasses.dataclass
class _Record:
    """What made a video's rows (``key``), which video it is (``origin``) and whether they are a
    result worth keeping (``done``)."""

    key: str
    origin: str | None = None
    done: bool = True


class Previous:
    """The outputs of the last finished job of a shard and its videos' records (read only)."""

    def __init__(
        self,
        folder: Path,
        outputs: Mapping[str, tuple[Path, pa.Schema]],
        records: dict[str, _Record],
        stored: Mapping[str, Path] | None = None,
    ):
        self.folder = folder
        self.schemas = {name: schema for name, (_, schema) in outputs.items()}
        self.records = records
        self.paths = {name: Path((stored or {}).get(name, folder / f"{name}.parquet")) for name in outputs}
        self._groups: dict[str, dict[str, list[int]]] = {}

    @classmethod
    def load(
        cls,
        first_out: Path,
        outputs: Mapping[str, tuple[Path, pa.Schema]],
        stored: Mapping[str, Path] | None = None,
    ) -> Previous | None:
        """The previous outputs beside ``first_out`` (``stored``: lasting copies that stand in for
        temporary outputs), or None (none, or of other tables)."""
        final = previous_dir(first_out)
        for folder in (final, final.with_name(final.name + ".new")):  # .new: killed while renaming
            try:
                raw = json.loads((folder / PREVIOUS_KEYS).read_text())
            except (OSError, ValueError):
                continue
            for name, (_, schema) in outputs.items():
                path = Path((stored or {}).get(name, folder / f"{name}.parquet"))
                try:  # Parquet stores some types in another unit (timestamp[s] as ms): names only
                    same = pq.read_schema(path).names == schema.names
                except (OSError, pa.ArrowInvalid):
                    same = False
                if not same:
                    log.info("%s: earlier outputs of other tables or columns: not reused", folder)
                    return None
            records = {vid: _Record(**rec) for vid, rec in raw.get("videos", {}).items()}
            return cls(folder, outputs, records, stored)
        return None

    def rows(self, video_id: str) -> dict[str, pa.Table]:
        """The video's rows of every output."""
        tables = {}
        for name, schema in self.schemas.items():
            path = self.paths[name]
            if name not in self._groups:
                self._groups[name] = video_row_groups(path)
            groups = self._groups[name].get(video_id, [])
            tables[name] = (
                read_video_rows(path, video_id, groups, schema.names) if groups else schema.empty_table()
            )
        return tables


def process_videos(
    video_ids: Sequence[str],
    fn: Callable[[str], dict[str, pa.Table]],
    outputs: dict[str, tuple[Path, pa.Schema]],
    *,
    key: Callable[[str], str] | None = None,
    label: str = "shard",
    origin: Callable[[str], str] | None = None,
    done: Callable[[dict[str, pa.Table]], bool] | None = None,
    stored: Mapping[str, str | Path] | None = None,
) -> dict[str, int]:
    """Run ``fn(video_id)`` for each video and gather its tables into ``outputs``.

    ``fn`` returns one table per output name (a key of ``outputs``). ``key(video_id)`` says
    what the video's result is made from (see :func:`work_key`); finished parts of an earlier,
    killed run are reused only under the same key (without ``key``: whenever they exist), and
    so are the rows of the last finished run (with ``key`` only; see the module docstring).
    ``done(tables)``: whether a video's tables are a result to keep (default: always); rows of
    an earlier run that were not are made again. ``origin(video_id)``: which video it is,
    whatever the settings (its source): when ``fn`` now gives a result that is not done, the
    earlier rows of the same origin are kept instead. Progress is logged once per video with
    the rate and an estimate of the time left. ``stored``: output name → the lasting copy of a
    temporary output (not linked; it stands in for the output's earlier rows of videos that
    cannot be had now, and no video is reused: see the module docstring).

    Returns the number of videos ``made`` now, ``reused`` from the last run, ``kept`` from an
    earlier run because they could not be had now, and ``resumed`` from a killed run's parts.
    """
    names = list(outputs)
    first_out = Path(outputs[names[0]][0])
    work = parts_dir(first_out)
    work.mkdir(parents=True, exist_ok=True)
    stored_paths = {name: Path(p) for name, p in (stored or {}).items()}
    previous = Previous.load(first_out, outputs, stored_paths) if key is not None else None
    is_done = done or (lambda tables: True)
    records: dict[str, _Record] = {}
    counts = dict.fromkeys(("made", "reused", "kept", "resumed"), 0)
    t0 = time.monotonic()
    n = len(video_ids)
    for i, vid in enumerate(video_ids, 1):
        paths = dict(zip(names, part_paths(first_out, vid, names), strict=True))
        key_file = work / f"{vid}.key"
        want = key(vid) if key is not None else ""
        if all(p.exists() for p in paths.values()):
            record = _read_record(key_file)
            if key is None or (record is not None and record.key == want):
                records[vid] = record or _Record(want)
                counts["resumed"] += 1
                log.info("[%s] %d/%d %s: already done, skipped", label, i, n, vid)
                continue
        if key_file.exists() or any(p.exists() for p in paths.values()):
            log.info("[%s] %s: earlier parts were made from other inputs or settings: redone", label, vid)
        key_file.unlink(missing_ok=True)
        earlier = previous.records.get(vid) if previous is not None else None
        here = origin(vid) if origin is not None else None
        if earlier is not None and earlier.key == want and earlier.done and not stored_paths:
            tables, record, how = previous.rows(vid), earlier, "reused"  # type: ignore[union-attr]
        else:
            tables = fn(vid)
            record, how = _Record(want, here, is_done(tables)), "made"
            if (
                not record.done
                and here is not None
                and earlier is not None
                and earlier.done
                and earlier.origin == here
            ):
                log.warning(
                    "[%s] %s: could not be had now (see above); its rows of an earlier run are kept",
                    label,
                    vid,
                )
                tables, record, how = previous.rows(vid), earlier, "kept"  # type: ignore[union-attr]
        for name in names:
            write_parquet(tables[name], paths[name], outputs[name][1])
        if key is not None:
            _write_atomic(key_file, json.dumps(dataclasses.asdict(record)))
        records[vid] = record
        counts[how] += 1
        done_now = counts["made"] + counts["reused"] + counts["kept"]
        rate = done_now / max(time.monotonic() - t0, 1e-9)
        log.info(
            "[%s] %d/%d %s %s (%.2f videos/s, ~%.0f s left)",
            label, i, n, vid, "done" if how == "made" else how, rate, (n - i) / rate,
        )  # fmt: skip
    for name in names:
        out, schema = outputs[name]
        parts = (pq.read_table(work / f"{vid}.{name}.parquet") for vid in video_ids)
        write_parquet_stream(parts, out, schema)
    if key is not None:
        _save_previous(first_out, {k: v for k, v in outputs.items() if k not in stored_paths}, records)
    shutil.rmtree(work, ignore_errors=True)
    log.info(
        "[%s] %d video(s) in %.1f s: %d made now, %d reused from the last run, %d kept from an earlier "
        "run (could not be had now), %d resumed",
        label, n, time.monotonic() - t0, counts["made"], counts["reused"], counts["kept"], counts["resumed"],
    )  # fmt: skip
    return counts


def _read_record(path: Path) -> _Record | None:
    try:
        return _Record(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _save_previous(
    first_out: Path, outputs: Mapping[str, tuple[Path, pa.Schema]], records: dict[str, _Record]
) -> None:
    """Link the outputs (copy where links cannot be made) and the records into :func:`previous_dir`."""
    final = previous_dir(first_out)
    new = final.with_name(final.name + ".new")
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    for name, (out, _) in outputs.items():
        target = new / f"{name}.parquet"
        try:
            os.link(out, target)
        except OSError:
            log.warning("%s: cannot hard-link %s (another file system?): copied", new, out)
            shutil.copy2(out, target)
    videos = {vid: dataclasses.asdict(rec) for vid, rec in records.items()}
    (new / PREVIOUS_KEYS).write_text(json.dumps({"videos": videos}, sort_keys=True))
    shutil.rmtree(final, ignore_errors=True)
    os.replace(new, final)


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
