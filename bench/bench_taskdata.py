"""Benchmark: what a train job of a frame model opens, before (every shard) and after (its task).

Builds a corpus of ``--videos`` videos × ``--frames`` frames in shards of 200 (FRAMES + DEDUP
files with the stages' small row groups; small distinct JPEG stand-ins, every 3rd frame a
near-duplicate), labels ``--labelled`` of them, and measures in separate processes (time and
peak RSS):

- before: ``FrameStore(every FRAMES file, every DEDUP file)``, what each train job did;
- task data: :func:`polimodal.experiments.taskdata.build_task_data`, once per task;
- after: ``FrameStore([the task's frames])``, what each train job does now.

    .venv/bin/python bench/bench_taskdata.py [--videos 10000] [--frames 300] [--labelled 400]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from polimodal.corpus.experiment_schemas import SPLITS
from polimodal.corpus.schemas import DEDUP, FRAMES, TRANSCRIPTS, VIDEOS, write_parquet

SHARD = 200


def make_corpus(root: Path, n_videos: int, n_frames: int, n_labelled: int) -> dict[str, object]:
    frames, dedup = [], []
    ids = [f"v{i:07d}" for i in range(n_videos)]
    for s in range(0, n_videos, SHARD):
        vids = np.repeat(np.array(ids[s : s + SHARD], dtype=object), n_frames)
        idx = np.tile(np.arange(n_frames, dtype=np.int32), len(vids) // n_frames)
        jpeg = [f"{v}:{k}".encode() for v, k in zip(vids, idx, strict=True)]
        f = pa.table(
            {
                "video_id": vids,
                "frame_idx": idx,
                "timestamp": idx.astype(float),
                "width": np.full(len(idx), 8, np.int32),
                "height": np.full(len(idx), 8, np.int32),
                "jpeg": jpeg,
            }
        )
        d = pa.table(
            {
                "video_id": vids,
                "frame_idx": idx,
                "timestamp": idx.astype(float),
                "kept": idx % 3 != 2,
                "duplicate_of": pa.nulls(len(idx), pa.int32()),
                "max_similarity": pa.nulls(len(idx), pa.float32()),
            }
        )
        frames.append(write_parquet(f, root / f"frames/{s // SHARD:06d}.parquet", FRAMES))
        dedup.append(write_parquet(d, root / f"dedup/{s // SHARD:06d}.parquet", DEDUP))
    rng = np.random.default_rng(0)
    labelled = sorted(rng.choice(ids, n_labelled, replace=False).tolist())
    splits = write_parquet(
        pa.table(
            {
                "task": ["t"] * n_labelled,
                "fold": np.zeros(n_labelled, np.int32),
                "video_id": labelled,
                "label": ["a"] * n_labelled,
                "split": ["train"] * n_labelled,
            }
        ),
        root / "splits.parquet",
        SPLITS,
    )
    videos = write_parquet(
        [{"video_id": v, "source": v, "source_kind": "local"} for v in ids], root / "videos.parquet", VIDEOS
    )
    transcripts = write_parquet(
        [{"video_id": v, "n_segments": 1, "text": f"words of {v}", "model": "m"} for v in ids],
        root / "transcripts.parquet",
        TRANSCRIPTS,
    )
    return {
        "frames": frames,
        "dedup": dedup,
        "splits": splits,
        "videos": videos,
        "transcripts": transcripts,
        "labelled": labelled,
    }


def _before(corpus, queue) -> None:
    from polimodal.data.frames import FrameStore

    t0 = time.perf_counter()
    store = FrameStore(corpus["frames"], corpus["dedup"])
    n = sum(len(store.frames(v)) for v in corpus["labelled"][:20])
    queue.put((time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, n))


def _build(corpus, queue) -> None:
    from polimodal.experiments.taskdata import build_task_data

    t0 = time.perf_counter()
    root = Path(corpus["splits"]).parent
    counts = build_task_data(
        corpus["splits"],
        corpus["videos"],
        corpus["transcripts"],
        corpus["frames"],
        corpus["dedup"],
        texts_out=root / "task_texts.parquet",
        frames_out=root / "task_frames.parquet",
    )
    queue.put(
        (time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, counts["frames"])
    )


def _after(corpus, queue) -> None:
    from polimodal.data.frames import FrameStore

    t0 = time.perf_counter()
    store = FrameStore([Path(corpus["splits"]).parent / "task_frames.parquet"])
    n = sum(len(store.frames(v)) for v in corpus["labelled"][:20])
    queue.put((time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, n))


def measure(fn, corpus) -> tuple[float, float, int]:
    ctx = mp.get_context("spawn")  # a fresh interpreter: its peak RSS is the measured step's
    queue = ctx.Queue()
    proc = ctx.Process(target=fn, args=(corpus, queue))
    proc.start()
    seconds, rss_kb, n = queue.get()
    proc.join()
    return seconds, rss_kb / 1024, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--videos", type=int, default=10_000)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--labelled", type=int, default=400)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        corpus = make_corpus(Path(tmp), args.videos, args.frames, args.labelled)
        print(
            f"corpus: {args.videos} videos x {args.frames} frames in {len(corpus['frames'])} shards, "
            f"{args.labelled} labelled (made in {time.perf_counter() - t0:.0f} s)"
        )
        before = measure(_before, corpus)
        build = measure(_build, corpus)
        after = measure(_after, corpus)
        # the same kept frames either way
        assert before[2] == after[2], (before, after)
        for name, (s, mb, _) in (
            ("before: open every shard", before),
            ("task data, once per task", build),
            ("after: open the task", after),
        ):
            print(f"{name:28s} {s:7.2f} s  peak RSS {mb:7.0f} MB")
        print(
            f"a train job opens its data {before[0] / after[0]:.0f}x faster with "
            f"{before[1] / after[1]:.1f}x less peak memory; {build[2]} task frames"
        )


if __name__ == "__main__":
    main()
