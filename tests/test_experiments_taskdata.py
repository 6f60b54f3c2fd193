"""A task's own data: its videos' texts and kept frames, selected from the corpus once."""

from __future__ import annotations

import pyarrow.parquet as pq

from polimodal.corpus.schemas import (
    DEDUP,
    FRAMES,
    SPLITS,
    TASK_TEXTS,
    TRANSCRIPTS,
    VIDEOS,
    read_parquet,
    write_parquet,
)
from polimodal.experiments import taskdata
from polimodal.experiments.data import FrameStore, read_task_texts
from polimodal.experiments.run import DataSources


def _corpus(tmp_path, n_shards=3, per_shard=6, frames_per_video=4):
    """Shard files of ``n_shards`` × ``per_shard`` videos; frame 1 of every video is a duplicate."""
    frames, dedup, vids = [], [], []
    for s in range(n_shards):
        f_rows, d_rows = [], []
        for v in range(per_shard):
            vid = f"s{s}v{v}"
            vids.append(vid)
            for k in range(frames_per_video):
                jpeg = f"{vid}-{k}".encode()
                f_rows.append(
                    {
                        "video_id": vid,
                        "frame_idx": k,
                        "timestamp": float(k),
                        "width": 2,
                        "height": 2,
                        "jpeg": jpeg,
                    }
                )
                d_rows.append({"video_id": vid, "frame_idx": k, "timestamp": float(k), "kept": k != 1,
                               "duplicate_of": 0 if k == 1 else None, "max_similarity": None})  # fmt: skip
        # small row groups, as the shard stages write them (a few videos each)
        frames.append(write_parquet(f_rows, tmp_path / f"frames{s}.parquet", FRAMES, row_group_size=8))
        dedup.append(write_parquet(d_rows, tmp_path / f"dedup{s}.parquet", DEDUP, row_group_size=8))
    videos = write_parquet(
        [{"video_id": v, "source": v, "source_kind": "local", "title": f"title {v}"} for v in vids],
        tmp_path / "videos.parquet",
        VIDEOS,
    )
    transcripts = write_parquet(
        [
            {"video_id": v, "n_segments": 1, "text": f"words of {v}", "model": "m"}
            for v in vids
            if v != "s2v4"
        ],
        tmp_path / "transcripts.parquet",
        TRANSCRIPTS,
    )
    return frames, dedup, videos, transcripts


def _splits(tmp_path, ids):
    rows = [
        {"task": "t", "fold": f, "video_id": v, "label": "a", "split": "train"} for f in (0, 1) for v in ids
    ]
    return write_parquet(rows, tmp_path / "splits.parquet", SPLITS)


def test_the_task_gets_its_videos_kept_frames_and_texts(tmp_path, monkeypatch):
    frames, dedup, videos, transcripts = _corpus(tmp_path)
    task_ids = ["s2v4", "s0v1", "s2v5"]  # shards 0 and 2; s2v4 has no transcript
    splits = _splits(tmp_path, task_ids)
    reads: list[tuple[str, tuple[str, ...]]] = []
    real = pq.ParquetFile.read_row_group

    def counting(self, i, columns=None, **kw):
        reads.append((str(self.reader.__class__), tuple(columns or ())))
        return real(self, i, columns=columns, **kw)

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", counting)
    counts = taskdata.build_task_data(
        splits,
        videos,
        transcripts,
        frames,
        dedup,
        texts_out=tmp_path / "texts.parquet",
        frames_out=tmp_path / "f.parquet",
    )
    monkeypatch.undo()
    assert counts == {"videos": 3, "with_transcript": 2, "frames": 9}
    # JPEG bytes were read only for the row groups (2 videos each) that hold a task video: one in
    # shard 0 (s0v0, s0v1), one in shard 2 (s2v4, s2v5); of 9 row groups in all
    assert sum("jpeg" in cols for _, cols in reads) == 2
    kept = read_parquet(tmp_path / "f.parquet", FRAMES)
    got = list(zip(kept.column("video_id").to_pylist(), kept.column("frame_idx").to_pylist(), strict=True))
    assert got == [(v, k) for v in ("s0v1", "s2v4", "s2v5") for k in (0, 2, 3)]
    assert kept.column("jpeg").to_pylist()[0] == b"s0v1-0"
    texts = read_parquet(tmp_path / "texts.parquet", TASK_TEXTS).to_pylist()
    assert [t["video_id"] for t in texts] == task_ids
    assert texts[0]["transcript"] is None and texts[1]["transcript"] == "words of s0v1"
    assert read_task_texts(tmp_path / "texts.parquet", ["title", "transcript"]) == {
        "s2v4": "title s2v4",
        "s0v1": "title s0v1\n\nwords of s0v1",
        "s2v5": "title s2v5\n\nwords of s2v5",
    }
    # a frame model reads the task file as it read the corpus's shards
    store = FrameStore([tmp_path / "f.parquet"])
    corpus = FrameStore(frames, dedup)
    for vid in task_ids:
        assert store.frames(vid) == corpus.frames(vid)


def test_without_frame_models_no_frames_are_read(tmp_path):
    _, _, videos, transcripts = _corpus(tmp_path, n_shards=1)
    splits = _splits(tmp_path, ["s0v0"])
    counts = taskdata.build_task_data(
        splits,
        videos,
        transcripts,
        [],
        [],
        texts_out=tmp_path / "t.parquet",
        frames_out=tmp_path / "f.parquet",
    )
    assert counts["frames"] == 0 and pq.read_table(tmp_path / "f.parquet").schema.equals(FRAMES)


def test_data_sources_read_task_texts(tmp_path):
    path = write_parquet([{"video_id": "a", "transcript": "hello"}], tmp_path / "t.parquet", TASK_TEXTS)
    assert DataSources(texts=path).read_texts(["transcript"]) == {"a": "hello"}
