"""A task's own data: its videos' texts and kept frames, selected from the corpus once."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from polimodal.corpus.experiment_schemas import SPLITS, TASK_TEXTS
from polimodal.corpus.schemas import DEDUP, FRAMES, TRANSCRIPTS, VIDEOS, read_parquet, write_parquet
from polimodal.data.frames import FrameStore
from polimodal.data.texts import read_task_texts
from polimodal.experiments import taskdata


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


def test_task_sequences_select_the_task_videos_and_their_kept_frame_embeddings(tmp_path):
    from polimodal.corpus.schemas import ALIGNED, EMBEDDINGS, EMBEDDINGS_FLOAT16, PITCH
    from polimodal.data.sequences import SequenceStore

    _, dedup, *_ = _corpus(tmp_path, n_shards=2, per_shard=3)
    aligned, pitch, emb = [], [], []
    for s in range(2):
        vids = [f"s{s}v{v}" for v in range(3)]
        aligned.append(
            write_parquet(
                [
                    {
                        "video_id": v,
                        "segment_id": 0,
                        "word_idx": k,
                        "word": w,
                        "start": k * 0.5,
                        "end": k * 0.5 + 0.4,
                        "n_voiced": 3,
                        "f0_mean": 100.0 + k,
                        "f0_mean_z": float(k),
                        "frame_idx": k,
                    }
                    for v in vids
                    for k, w in enumerate(["tax", "vote"])
                ],
                tmp_path / f"aligned{s}.parquet",
                ALIGNED,
                row_group_size=2,
            )
        )
        pitch.append(
            write_parquet(
                [
                    {"video_id": v, "time": t / 100, "f0": 100.0 + t, "intensity": 60.0}
                    for v in vids
                    for t in range(30)
                ],
                tmp_path / f"pitch{s}.parquet",
                PITCH,
                row_group_size=30,
            )
        )
        emb.append(
            write_parquet(
                [
                    {
                        "video_id": v,
                        "frame_idx": k,
                        "timestamp": float(k),
                        # shard 0 in the int8 layout (vector = embedding * scale), shard 1 in
                        # the float16 one of older files: the task file takes the first's
                        **({"embedding": [k, 2], "scale": 0.5} if s == 0 else {"embedding": [k / 2, 1.0]}),
                        "model": "m",
                    }
                    for v in vids
                    for k in range(4)
                ],
                tmp_path / f"emb{s}.parquet",
                EMBEDDINGS if s == 0 else EMBEDDINGS_FLOAT16,
                row_group_size=8,
            )
        )
    splits = _splits(tmp_path, ["s0v1", "s1v2"])
    out = {n: tmp_path / "task" / f"{n}.parquet" for n in ("aligned", "pitch", "embeddings")}
    counts = taskdata.build_task_sequences(
        splits, aligned, pitch, emb, dedup,
        aligned_out=out["aligned"], pitch_out=out["pitch"], embeddings_out=out["embeddings"],
    )  # fmt: skip
    assert counts == {"aligned": 4, "pitch": 60, "embeddings": 6}  # frame 1 of each video is not kept
    e = read_parquet(out["embeddings"], EMBEDDINGS).to_pandas()
    assert set(e.video_id) == {"s0v1", "s1v2"} and 1 not in set(e.frame_idx)
    store = SequenceStore([out["aligned"]], [out["pitch"]], [out["embeddings"]])
    seq = store.get("s1v2")
    assert seq.words == ["tax", "vote"] and seq.word_pitch.tolist() == [0.0, 1.0]
    assert len(seq.audio) == 3 and seq.audio_times.tolist() == pytest.approx([0.05, 0.15, 0.25])
    assert seq.frames.shape == (3, 2) and seq.frame_idx == [0, 2, 3]
    np.testing.assert_allclose(seq.frames, [[0, 1], [1, 1], [1.5, 1]], atol=1 / 127)  # requantised
    np.testing.assert_array_equal(store.get("s0v1").frames, [[0, 1], [1, 1], [1.5, 1]])
    assert store.get("nobody").words == [] and store.get("nobody").frames.shape == (0, 2)
    # without a model that reads words/audio the workflow passes no shard files: empty tables
    taskdata.build_task_sequences(splits, [], [], [], [], aligned_out=out["aligned"],
                                  pitch_out=out["pitch"], embeddings_out=out["embeddings"])  # fmt: skip
    assert pq.read_metadata(out["aligned"]).num_rows == 0
