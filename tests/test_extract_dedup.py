"""Near-duplicate removal: the greedy rule, its boundary, properties, and the shard writer."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from polimodal.corpus.schemas import DEDUP, EMBEDDINGS, read_parquet, write_parquet
from polimodal.errors import ConfigError, SchemaError
from polimodal.extract.dedup import DedupOptions, dedup_embeddings, dedup_shard, read_embeddings
from polimodal.extract.embed import embedding_array


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
            "embedding": embedding_array(v),
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
