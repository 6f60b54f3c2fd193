"""Near-duplicate removal: the greedy rule, its boundary, properties, and the shard writer."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from polimodal.corpus.embeddings import embedding_columns, read_embeddings
from polimodal.corpus.schemas import (
    DEDUP,
    EMBEDDINGS,
    FRAMES,
    read_parquet,
    write_parquet,
    write_parquet_stream,
)
from polimodal.data.frames import FrameStore
from polimodal.errors import ConfigError, SchemaError
from polimodal.extract.dedup import DedupOptions, dedup_embeddings, dedup_shard, store_frames


def unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_identical_frames_keep_one():
    e = np.tile(unit(np.arange(1, 9)), (10, 1))
    kept, dup, sim = dedup_embeddings(e, 0.9)
    assert kept.tolist() == [True] + [False] * 9
    assert dup.tolist() == [-1] + [0] * 9
    assert np.isnan(sim[0]) and np.allclose(sim[1:], 1.0, atol=1e-6)


def test_orthogonal_frames_all_kept():
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(64, 64)))
    kept, dup, sim = dedup_embeddings(q.T[:50], 0.5)
    assert kept.all() and (dup == -1).all()
    assert np.nanmax(np.abs(sim)) < 1e-5


def test_return_to_earlier_scene():
    """A, A', B, A'' with A' and A'' close to A: keep [A, B]; both duplicates point at A."""
    rng = np.random.default_rng(1)
    a, b = unit(rng.normal(size=32)), unit(rng.normal(size=32))
    a1 = unit(a + 0.05 * rng.normal(size=32))
    a2 = unit(a + 0.05 * rng.normal(size=32))
    kept, dup, sim = dedup_embeddings(np.stack([a, a1, b, a2]), 0.9)
    assert kept.tolist() == [True, False, True, False]
    assert dup.tolist() == [-1, 0, -1, 0]
    assert sim[1] > 0.9 and sim[3] > 0.9 and sim[2] < 0.9


def test_duplicate_of_is_most_similar_kept_frame():
    # frames 0 and 1 are kept (dissimilar); frame 2 is similar to both, more to frame 1
    e = unit(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.8, 0.0]]))
    kept, dup, sim = dedup_embeddings(e, 0.5)
    assert kept.tolist() == [True, True, False]
    assert dup[2] == 1
    assert sim[2] == pytest.approx(float(e[2] @ e[1]), abs=1e-6)


def test_threshold_is_strictly_greater():
    e = unit(np.array([[1.0, 0.0], [0.6, 0.8]]))
    _, _, sim = dedup_embeddings(e, 0.0)
    s = float(sim[1])
    kept, _, _ = dedup_embeddings(e, s)  # similarity == threshold: kept
    assert kept.tolist() == [True, True]
    kept, dup, _ = dedup_embeddings(e, float(np.nextafter(np.float32(s), np.float32(-1))))
    assert kept.tolist() == [True, False] and dup[1] == 0


def test_unnormalised_input_and_edge_sizes():
    kept, _, _ = dedup_embeddings(np.array([[3.0, 0.0], [10.0, 0.1]]), 0.9)
    assert kept.tolist() == [True, False]
    assert dedup_embeddings(np.zeros((0, 4)), 0.9)[0].shape == (0,)
    kept, _, sim = dedup_embeddings(np.ones((1, 4)), 0.9)
    assert kept.tolist() == [True] and np.isnan(sim[0])
    with pytest.raises(ValueError, match="2-d"):
        dedup_embeddings(np.ones(4), 0.9)


def test_hour_of_frames_is_fast():
    e = unit(np.random.default_rng(0).normal(size=(3600, 576)))
    e[1000:2000] = e[1000]  # a long static shot
    t = time.perf_counter()
    kept, _, _ = dedup_embeddings(e, 0.9)
    assert time.perf_counter() - t < 1.0
    assert kept.sum() == 3600 - 999


embeddings = st.integers(1, 25).flatmap(
    lambda n: st.integers(2, 6).flatmap(
        lambda d: arrays(np.float32, (n, d), elements=st.floats(-1, 1, width=32)).filter(
            lambda a: (np.linalg.norm(a, axis=1) > 1e-3).all()
        )
    )
)


@settings(max_examples=200, deadline=None)
@given(emb=embeddings, threshold=st.floats(-0.9, 0.99))
def test_greedy_properties(emb, threshold):
    e = unit(emb)
    sim = e @ e.T
    # stay away from ties with the threshold, where float rounding decides
    assume(np.abs(sim - threshold).min() > 1e-4)
    kept, dup, best = dedup_embeddings(e, threshold)
    k = np.flatnonzero(kept)
    assert kept[0] and np.isnan(best[0])
    # kept frames are pairwise not more similar than the threshold
    sub = sim[np.ix_(k, k)]
    assert (sub[~np.eye(len(k), dtype=bool)] <= threshold).all()
    for i in range(1, len(e)):
        earlier_kept = k[k < i]
        assert best[i] == pytest.approx(sim[i, earlier_kept].max(), abs=1e-5)
        if kept[i]:
            assert dup[i] == -1
        else:
            # every dropped frame has an earlier kept frame above the threshold: the one named
            assert dup[i] in earlier_kept and sim[i, dup[i]] > threshold
            assert sim[i, dup[i]] == pytest.approx(sim[i, earlier_kept].max(), abs=1e-5)
    # idempotence: deduplicating the kept frames keeps them all
    again, _, _ = dedup_embeddings(e[kept], threshold)
    assert again.all()


# ----------------------------------------------------------------------------- shards
def emb_table(videos: dict[str, np.ndarray]) -> pa.Table:
    ids, idx, ts, vecs = [], [], [], []
    for vid, e in videos.items():
        ids += [vid] * len(e)
        idx += list(range(len(e)))
        ts += [float(i) for i in range(len(e))]
        vecs.append(e)
    v = np.concatenate(vecs).astype(np.float32)
    return pa.table(
        {
            "video_id": pa.array(ids, pa.string()),
            "frame_idx": pa.array(idx, pa.int32()),
            "timestamp": pa.array(ts, pa.float64()),
            **embedding_columns(v),
            "model": pa.array(["m"] * len(ids), pa.string()),
        }
    )


def test_dedup_shard_per_video(tmp_path):
    rng = np.random.default_rng(2)
    a, b = unit(rng.normal(size=16)), unit(rng.normal(size=16))
    table = emb_table({"v1": np.stack([a, a, b, a]), "v2": np.stack([a]), "v3": np.stack([b, a, a])})
    # shuffle frame order inside v1 on disk: dedup must sort by frame_idx
    path = tmp_path / "emb.parquet"
    write_parquet(table.take([2, 0, 3, 1, 4, 5, 6, 7]), path, EMBEDDINGS)
    out = tmp_path / "dedup.parquet"
    dedup_shard(path, out, 0.9)
    d = read_parquet(out, DEDUP)
    assert d.column("video_id").to_pylist() == ["v1"] * 4 + ["v2"] + ["v3"] * 3
    assert d.column("frame_idx").to_pylist() == [0, 1, 2, 3, 0, 0, 1, 2]
    assert d.column("kept").to_pylist() == [True, False, True, False, True, True, True, False]
    assert d.column("duplicate_of").to_pylist() == [None, 0, None, 0, None, None, None, 1]
    ms = d.column("max_similarity").to_pylist()
    assert ms[0] is None and ms[4] is None and ms[5] is None and ms[1] == pytest.approx(1.0)


def test_dedup_shard_empty_and_bad(tmp_path):
    path = tmp_path / "emb.parquet"
    write_parquet(EMBEDDINGS.empty_table(), path, EMBEDDINGS)
    out = tmp_path / "dedup.parquet"
    dedup_shard(path, out, 0.9)
    assert read_parquet(out, DEDUP).num_rows == 0
    ragged = pa.table({"embedding": pa.array([[1.0, 0.0], [1.0]], pa.list_(pa.float32()))})
    with pytest.raises(SchemaError, match="unequal length"):
        read_embeddings(ragged)


def test_options_from_config():
    assert DedupOptions.from_config({"threshold": 0.5}) == DedupOptions(0.5)
    assert DedupOptions.from_config(None) == DedupOptions() and DedupOptions().threshold == 0.9
    with pytest.raises(ConfigError, match=r"config dedup: unknown key\(s\) \['treshold'\]"):
        DedupOptions.from_config({"treshold": 0.5})
    with pytest.raises(ConfigError, match=r"config dedup\.threshold: must be in \[-1, 1\]"):
        DedupOptions.from_config({"threshold": 1.5})


def test_float16_embeddings_change_decisions_only_at_the_threshold():
    """Similarities from the stored float16 vectors move by < 1e-3: a decision can differ from
    float32's only for a frame whose similarity lies that close to the threshold."""
    rng = np.random.default_rng(5)
    base = unit(rng.normal(size=(40, 576)))
    # a random walk: neighbours at similarities from ~0.7 to ~1, many near the 0.9 threshold
    frames = unit(
        np.repeat(base, 25, axis=0) + rng.gamma(1.0, 0.25, size=(1000, 1)) * rng.normal(size=(1000, 576)) / 24
    )
    half = np.asarray(frames, np.float16)
    assert read_embeddings(pa.table(embedding_columns(frames, "float16"))).dtype == np.float32
    k32, _, s32 = dedup_embeddings(frames, 0.9)
    k16, _, s16 = dedup_embeddings(half, 0.9)
    assert np.nanmax(np.abs(s32 - s16)[k32 == k16]) < 1e-3
    near = np.abs(s32 - 0.9) < 1e-3
    assert ((k32 != k16) <= near).all()  # every flip is a frame within 1e-3 of the threshold
    assert 100 < k32.sum() < 900  # the threshold really splits these frames


def _frames_table(video_id: str, n: int) -> pa.Table:
    return pa.table(
        {
            "video_id": pa.array([video_id] * n, pa.string()),
            "frame_idx": pa.array(range(n), pa.int32()),
            "timestamp": pa.array([float(k) for k in range(n)], pa.float64()),
            "width": pa.array([4] * n, pa.int32()),
            "height": pa.array([4] * n, pa.int32()),
            "jpeg": pa.array([f"jpeg {video_id} {k}".encode() for k in range(n)], pa.binary()),
        }
    )


def test_stored_frames_drop_the_jpegs_of_dropped_frames_only(tmp_path):
    rng = np.random.default_rng(3)
    a, b = unit(rng.normal(size=16)), unit(rng.normal(size=16))
    emb = tmp_path / "emb.parquet"
    write_parquet(emb_table({"v1": np.stack([a, a, b, a]), "v2": np.stack([b, b])}), emb, EMBEDDINGS)
    dedup = tmp_path / "dedup.parquet"
    dedup_shard(emb, dedup, 0.9)
    full = tmp_path / "all.parquet"  # one row group per video, as the ingest job writes them;
    # v3 has frames but no dedup rows (e.g. not embedded): its JPEGs stay
    write_parquet_stream(
        [_frames_table("v1", 4), _frames_table("v2", 2), _frames_table("v3", 1)], full, FRAMES
    )
    out = store_frames(full, dedup, tmp_path / "stored.parquet")
    stored, before = read_parquet(out, FRAMES), read_parquet(full, FRAMES)
    assert stored.drop(["jpeg"]).equals(before.drop(["jpeg"]))  # every row (index, time, size) stays
    jpegs = stored.column("jpeg").to_pylist()
    assert [j is not None for j in jpegs] == [True, False, True, False, True, False, True]
    assert [j for j in jpegs if j] == [b"jpeg v1 0", b"jpeg v1 2", b"jpeg v2 0", b"jpeg v3 0"]
    assert pq.ParquetFile(out).num_row_groups == 3
    # the readers of JPEGs see the same kept frames in the stored file as in the full one
    for frames in (full, out):
        store = FrameStore([frames], [dedup])
        assert store.frames("v1") == [b"jpeg v1 0", b"jpeg v1 2"] and store.frames("v3") == [b"jpeg v3 0"]
    assert [f for _, _, f in FrameStore([out]).iter_frames(["v1"])] == [b"jpeg v1 0", b"jpeg v1 2"]


def test_stored_frames_of_an_empty_shard(tmp_path):
    write_parquet(FRAMES.empty_table(), tmp_path / "f.parquet", FRAMES)
    write_parquet(DEDUP.empty_table(), tmp_path / "d.parquet", DEDUP)
    out = store_frames(tmp_path / "f.parquet", tmp_path / "d.parquet", tmp_path / "s.parquet")
    assert read_parquet(out, FRAMES).num_rows == 0
