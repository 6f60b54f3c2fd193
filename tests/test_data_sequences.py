"""Per-video word / audio / frame-embedding sequences (:mod:`polimodal.data.sequences`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from polimodal.corpus.schemas import ALIGNED, DEDUP, EMBEDDINGS, PITCH, write_parquet
from polimodal.data.sequences import AUDIO_FEATURES, SequenceStore, VideoSequences, pool_audio


def test_audio_is_pooled_into_windows_z_scored_within_the_video():
    pitch = pd.DataFrame(
        {"video_id": ["a"] * 4 + ["b"], "time": [0.005, 0.015, 0.105, 0.205, 0.0],
         "f0": [100.0, 100.0, 200.0, 300.0, 150.0], "intensity": [60.0, 60.0, 70.0, 80.0, 50.0]}
    )  # fmt: skip
    w = pool_audio(pitch, hop=0.1)
    a = w[w["video_id"] == "a"]
    assert a["time"].tolist() == pytest.approx([0.05, 0.15, 0.25])
    assert a["voiced"].tolist() == pytest.approx([0.2, 0.1, 0.1])  # 10 ms frames per 100 ms window
    assert a["f0_z"].iloc[0] < 0 < a["f0_z"].iloc[2]
    assert w[w["video_id"] == "b"]["f0_z"].tolist() == [0.0]  # one frame: no spread
    assert list(pool_audio(pitch.iloc[:0]).columns) == ["video_id", "time", *AUDIO_FEATURES]


def test_a_shard_store_reads_the_videos_asked_for_and_their_kept_frames(tmp_path):
    aligned = write_parquet(
        [{"video_id": v, "segment_id": 0, "word_idx": k, "word": f" {w} ", "start": k, "end": k + 0.5,
          "n_voiced": 0, "f0_mean_z": None, "frame_idx": None if k else 0}
         for v in ("a", "b") for k, w in enumerate(["tax", "vote"])],
        tmp_path / "aligned.parquet", ALIGNED, row_group_size=2,
    )  # fmt: skip
    pitch = write_parquet(
        [{"video_id": "a", "time": t / 100, "f0": 100.0 + t, "intensity": 60.0} for t in range(20)],
        tmp_path / "pitch.parquet",
        PITCH,
    )
    emb = write_parquet(
        [{"video_id": v, "frame_idx": k, "timestamp": float(k), "embedding": [k, 1, 2], "scale": 0.5,
          "model": "m"}
         for v in ("a", "b") for k in range(3)],
        tmp_path / "emb.parquet", EMBEDDINGS, row_group_size=3,
    )  # fmt: skip
    dedup = write_parquet(
        [
            {"video_id": v, "frame_idx": k, "timestamp": float(k), "kept": k != 1}
            for v in ("a", "b")
            for k in range(3)
        ],
        tmp_path / "dedup.parquet",
        DEDUP,
    )
    store = SequenceStore([aligned], [pitch], [emb], [dedup], video_ids=["a", "z"])
    seq = store.get("a")
    assert seq.words == ["tax", "vote"] and seq.word_frames == [0, None]
    assert seq.word_pitch.tolist() == [0.0, 0.0]  # unvoiced words
    assert seq.audio.shape == (2, len(AUDIO_FEATURES)) and seq.audio.dtype == np.float32
    assert seq.frame_idx == [0, 2] and seq.frames.shape == (2, 3)  # frame 1 is a near-duplicate
    assert seq.frames.tolist() == [[0.0, 0.5, 1.0], [1.0, 0.5, 1.0]]  # embedding × scale
    assert "b" not in store and store.get("b").words == []  # not asked for
    assert store.get("z").frames.shape == (0, 3)  # none: empty sequences of the store's width
    assert SequenceStore([aligned], [pitch], [emb]).get("b").frame_idx == [0, 1, 2]  # no DEDUP


def test_a_store_of_ready_made_sequences():
    seq = VideoSequences(words=["x"], frames=np.ones((1, 4), np.float32))
    store = SequenceStore.from_sequences({"v": seq})
    assert store.get("v") is seq and store.frame_dim == 4 and store.get("w").frames.shape == (0, 4)
